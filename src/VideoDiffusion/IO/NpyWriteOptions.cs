namespace VideoDiffusion.IO;

/// <summary>Options of <see cref="Npy.Write(string, TorchSharp.torch.Tensor, NpyWriteOptions?)"/>.</summary>
public sealed record NpyWriteOptions
{
    /// <summary>The shared default options.</summary>
    public static NpyWriteOptions Default { get; } = new();

    /// <summary>Whether to store the data column-major (<c>fortran_order: True</c>). <value>The default value is false.</value></summary>
    public bool FortranOrder { get; init; }

    /// <summary>
    /// Format major version 1, 2 or 3; null picks 1.0 unless the header needs more than 65535 bytes (then 2.0), as
    /// NumPy does. Version 3.0 differs from 2.0 only in allowing UTF-8 in the header. <value>The default value is null.</value>
    /// </summary>
    public int? Version { get; init; }
}
