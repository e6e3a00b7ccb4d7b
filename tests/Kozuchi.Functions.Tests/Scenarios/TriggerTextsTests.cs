using Kozuchi.Core.Scenarios;
using Kozuchi.Functions.Scenarios;

namespace Kozuchi.Functions.Tests.Scenarios;

/// <summary>A cart trigger's delay as a person writes it: the Japanese unit joined to 後, the English unit singular for one.</summary>
public sealed class TriggerTextsTests
{
    [Theory]
    [InlineData(0, 1, 0, "カゴ落ちから 1 時間後", "1 hour after an abandoned checkout")]
    [InlineData(0, 3, 0, "カゴ落ちから 3 時間後", "3 hours after an abandoned checkout")]
    [InlineData(1, 0, 0, "カゴ落ちから 1 日後", "1 day after an abandoned checkout")]
    [InlineData(0, 1, 30, "カゴ落ちから 90 分後", "90 minutes after an abandoned checkout")]
    [InlineData(0, 0, 1, "カゴ落ちから 1 分後", "1 minute after an abandoned checkout")]
    public void A_cart_delay_reads_as_written(int days, int hours, int minutes, string japanese, string english)
    {
        var text = TriggerTexts.Describe(new CartAbandonedTrigger { Delay = new Duration { Days = days, Hours = hours, Minutes = minutes } });

        Assert.Equal(japanese, text.Japanese);
        Assert.Equal(english, text.English);
    }
}
