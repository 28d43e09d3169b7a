using System.Runtime.InteropServices;

namespace VideoDiffusion.Internal;

/// <summary>
/// libtorch's global <c>at::Context</c> switches that TorchSharp does not wrap, called through their C++ symbols in
/// <c>torch_cpu</c> (loaded by TorchSharp before any tensor exists). Itanium C++ ABI names (Linux, macOS) and MSVC names
/// (Windows); a missing symbol surfaces as <see cref="EntryPointNotFoundException"/>.
/// </summary>
internal static class LibTorchContext
{
    private const string Library = "torch_cpu";

    public static bool UserEnabledMkldnn
    {
        get => OperatingSystem.IsWindows() ? Windows.GetMkldnn(Windows.GlobalContext()) : Itanium.GetMkldnn(Itanium.GlobalContext());
        set
        {
            if (OperatingSystem.IsWindows())
            {
                Windows.SetMkldnn(Windows.GlobalContext(), value);
            }
            else
            {
                Itanium.SetMkldnn(Itanium.GlobalContext(), value);
            }
        }
    }

    private static class Itanium
    {
        [DllImport(Library, EntryPoint = "_ZN2at13globalContextEv", ExactSpelling = true)]
        public static extern IntPtr GlobalContext();

        [DllImport(Library, EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb", ExactSpelling = true)]
        public static extern void SetMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

        [DllImport(Library, EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv", ExactSpelling = true)]
        [return: MarshalAs(UnmanagedType.U1)]
        public static extern bool GetMkldnn(IntPtr context);
    }

    private static class Windows
    {
        [DllImport(Library, EntryPoint = "?globalContext@at@@YAAEAVContext@1@XZ", ExactSpelling = true)]
        public static extern IntPtr GlobalContext();

        [DllImport(Library, EntryPoint = "?setUserEnabledMkldnn@Context@at@@QEAAX_N@Z", ExactSpelling = true)]
        public static extern void SetMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

        [DllImport(Library, EntryPoint = "?userEnabledMkldnn@Context@at@@QEBA_NXZ", ExactSpelling = true)]
        [return: MarshalAs(UnmanagedType.U1)]
        public static extern bool GetMkldnn(IntPtr context);
    }
}
