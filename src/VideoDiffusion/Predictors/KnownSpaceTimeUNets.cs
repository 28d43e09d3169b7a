namespace VideoDiffusion.Predictors;

/// <summary>
/// Ready-made <see cref="SpaceTimeUNet"/> definitions. Each is unconditional with 3 input and output channels; derive
/// a conditional one with <c>with { NumClasses = 10 }</c> and similar. Exact parameter counts are in <c>docs/predictors.md</c>.
/// </summary>
public static class KnownSpaceTimeUNets
{
    /// <summary>
    /// 1,537,027 parameters (345,408 temporal), for CPU demos and tests: 32 base channels, multipliers [1, 2, 2], one ResNet block per
    /// level, spatial attention at the lowest level, 8 norm groups; H and W multiples of 4.
    /// </summary>
    public static SpaceTimeUNetOptions Tiny { get; } = new()
    {
        BaseChannels = 32,
        ChannelMultipliers = [1, 2, 2],
        ResBlocksPerLevel = 1,
        AttentionLevels = [2],
        AttentionHeadChannels = 32,
        NormGroups = 8,
    };

    /// <summary>
    /// 14,786,563 parameters (3,470,080 temporal), for small CPU training runs: 64 base channels, multipliers [1, 2, 3], two ResNet blocks per
    /// level, spatial attention at levels 1 and 2; H and W multiples of 4.
    /// </summary>
    public static SpaceTimeUNetOptions Small { get; } = new()
    {
        BaseChannels = 64,
        ChannelMultipliers = [1, 2, 3],
        ResBlocksPerLevel = 2,
        AttentionLevels = [1, 2],
        AttentionHeadChannels = 32,
        NormGroups = 32,
    };

    /// <summary>
    /// 74,216,771 parameters (17,135,936 temporal), for GPU training: 128 base channels, multipliers [1, 2, 2, 3], two ResNet blocks per level,
    /// spatial attention at levels 1 to 3, 64 channels per head; H and W multiples of 8.
    /// </summary>
    public static SpaceTimeUNetOptions Base { get; } = new()
    {
        BaseChannels = 128,
        ChannelMultipliers = [1, 2, 2, 3],
        ResBlocksPerLevel = 2,
        AttentionLevels = [1, 2, 3],
        AttentionHeadChannels = 64,
        NormGroups = 32,
    };
}
