using VideoDiffusion.IO;

namespace VideoDiffusion.Tests.IO;

public sealed class ContactSheetTests
{
    [Fact]
    public void Render_TwoClips_PlacesEveryFrameInItsCell()
    {
        var a = TestClips.WithColors(5, 3, 4, 6, seed: 1);
        var b = TestClips.WithColors(5, 2, 4, 6, seed: 2);
        var options = new ContactSheetOptions { Spacing = 2, Background = (10, 20, 30) };

        var sheet = ContactSheet.Render([a, b], options);

        (sheet.Height, sheet.Width).Should().Be((2 * 4 + 3 * 2, 3 * 6 + 4 * 2));
        for (var row = 0; row < 2; row++)
        {
            var clip = row == 0 ? a : b;
            for (var column = 0; column < 3; column++)
            {
                for (var y = 0; y < 4; y++)
                {
                    for (var x = 0; x < 6; x++)
                    {
                        var o = ((2 + row * 6 + y) * sheet.Width + 2 + column * 8 + x) * 3;
                        var actual = sheet.Data.AsSpan(o, 3).ToArray();
                        if (column < clip.Frames)
                        {
                            actual.Should().Equal(clip.Frame(column).Slice((y * 6 + x) * 3, 3).ToArray());
                        }
                        else
                        {
                            actual.Should().Equal(10, 20, 30); // clip b is one frame short
                        }
                    }
                }
            }
        }
        sheet.Data.AsSpan(0, 3).ToArray().Should().Equal(10, 20, 30);
    }

    [Fact]
    public void Render_ModelSpaceBatchWithFrameStep_ShowsEverySecondFrame()
    {
        using var batch = linspace(-1, 1, 2 * 1 * 5 * 2 * 2).view(2, 1, 5, 2, 2);

        var sheet = ContactSheet.Render(batch, new ContactSheetOptions { Spacing = 0, FrameStep = 2 });

        (sheet.Height, sheet.Width).Should().Be((4, 6));
        using var bytes = VideoDiffusion.IO.VideoTensors.ToBytes(batch);
        sheet.Data[(0 * 6 + 2) * 3].Should().Be(bytes[0, 2, 0, 0, 0].item<byte>()); // row 0, column 1 = frame 2
    }

    [Fact]
    public void Render_MixedSizes_ThrowsArgumentException()
    {
        var act = () => ContactSheet.Render([TestClips.Gradient(1, 4, 4), TestClips.Gradient(1, 5, 4)]);

        act.Should().Throw<ArgumentException>().WithMessage("*4 x 4*4 x 5*");
    }
}
