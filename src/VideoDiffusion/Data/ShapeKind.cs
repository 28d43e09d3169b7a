namespace VideoDiffusion.Data;

/// <summary>The shapes <see cref="BouncingShapes"/> draws.</summary>
public enum ShapeKind
{
    /// <summary>An axis-aligned square of side <c>Size</c>.</summary>
    Square,

    /// <summary>A disc of diameter <c>Size</c>.</summary>
    Circle,
}
