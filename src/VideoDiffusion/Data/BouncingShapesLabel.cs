namespace VideoDiffusion.Data;

/// <summary>What the class label of a <see cref="BouncingShapes"/> clip means.</summary>
public enum BouncingShapesLabel
{
    /// <summary>Unlabelled clips.</summary>
    None,

    /// <summary>The kind of the shapes: every shape of a clip has the same kind, its index in <see cref="BouncingShapesOptions.Kinds"/>.</summary>
    ShapeKind,

    /// <summary>The number of shapes minus <see cref="BouncingShapesOptions.MinObjects"/>.</summary>
    ObjectCount,
}
