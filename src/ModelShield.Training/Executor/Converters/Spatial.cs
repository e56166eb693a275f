using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Executor.Converters;

/// <summary>
/// The window geometry Conv and the pooling operators share: kernel, strides, dilations and pads
/// (ONNX order: all begins, then all ends), with auto_pad resolved against the input's spatial shape.
/// </summary>
internal sealed class Spatial
{
    private readonly string _autoPad;
    private readonly long[]? _pads;

    private Spatial(NodeInfo node, long[]? kernel)
    {
        Node = node;
        Kernel = kernel;
        _autoPad = node.String("auto_pad", "NOTSET");
        _pads = node.Ints("pads");
        Strides = node.Ints("strides");
        Dilations = node.Ints("dilations");
        if (_autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
        {
            throw node.Invalid($"auto_pad '{_autoPad}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER.");
        }
    }

    public NodeInfo Node { get; }

    /// <summary>The kernel shape from the attribute, or null when it comes from the weight (Conv).</summary>
    public long[]? Kernel { get; }

    public long[]? Strides { get; }

    public long[]? Dilations { get; }

    public static Spatial Read(NodeInfo node, bool kernelRequired)
    {
        var kernel = node.Ints("kernel_shape");
        return kernel is null && kernelRequired ? throw node.Invalid("attribute kernel_shape is required.") : new Spatial(node, kernel);
    }

    /// <summary>Strides, dilations and pads for an input whose spatial dimensions are <paramref name="spatial"/>.</summary>
    public (long[] Strides, long[] Dilations, long[] Begin, long[] End) Resolve(long[] spatial, long[] kernel)
    {
        var n = spatial.Length;
        if (kernel.Length != n)
        {
            throw Node.Invalid($"kernel has {kernel.Length} dimensions, the input {n} spatial ones.");
        }

        var strides = Strides ?? Ones(n);
        var dilations = Dilations ?? Ones(n);
        var begin = new long[n];
        var end = new long[n];
        if (_autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            for (var i = 0; i < n; i++)
            {
                var output = (spatial[i] + strides[i] - 1) / strides[i];
                var total = Math.Max(0, ((output - 1) * strides[i]) + ((kernel[i] - 1) * dilations[i]) + 1 - spatial[i]);
                begin[i] = _autoPad == "SAME_UPPER" ? total / 2 : total - (total / 2);
                end[i] = total - begin[i];
            }
        }
        else if (_autoPad == "NOTSET" && _pads is not null)
        {
            if (_pads.Length != 2 * n)
            {
                throw Node.Invalid($"pads has {_pads.Length} values; {2 * n} expected.");
            }

            Array.Copy(_pads, 0, begin, 0, n);
            Array.Copy(_pads, n, end, 0, n);
        }

        return (strides, dilations, begin, end);
    }

    /// <summary>Pads the spatial dimensions explicitly (begin / end may differ); TorchSharp wants the last dimension first.</summary>
    public static Tensor PadExplicit(Tensor x, long[] begin, long[] end, double value)
    {
        var pad = new long[2 * begin.Length];
        for (var i = 0; i < begin.Length; i++)
        {
            var d = begin.Length - 1 - i;
            pad[2 * i] = begin[d];
            pad[(2 * i) + 1] = end[d];
        }

        return nn.functional.pad(x, pad, PaddingModes.Constant, value);
    }

    public static long[] Ones(int n) => Enumerable.Repeat(1L, n).ToArray();

    public static bool AllZero(long[] values) => values.All(v => v == 0);
}
