using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;

namespace Kozuchi.Storage.Scenarios;

/// <summary>The engine's settings (<c>Kozuchi:Scenarios</c>).</summary>
public sealed class ScenarioEngineOptions
{
    /// <summary>The global frequency cap; by default email 3, LINE 3, DM 1 and calls 1 per customer per ISO week.</summary>
    public FrequencyCap FrequencyCap { get; set; } = new()
    {
        Period = CapPeriod.Week,
        Limits = new Dictionary<Channel, int> { [Channel.Email] = 3, [Channel.Line] = 3, [Channel.Postal] = 1, [Channel.Phone] = 1 },
    };

    /// <summary>How far past due the sweep leaves a timer to its wake-up message before firing it itself.</summary>
    public TimeSpan SweepGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How old an order may be and still start order-triggered scenarios: imported history must not start step mails.</summary>
    public TimeSpan OrderTriggerWindow { get; set; } = TimeSpan.FromDays(3);

    /// <summary>
    /// What one send costs on each channel, in the shop's currency, for ROAS in the results. Defaults are typical
    /// Japanese prices: e-mail ¥0.1, a LINE message ¥3 (paid plan overage), a postcard DM with printing ¥100, an
    /// outbound call ¥300 (call-centre rate per attempt). Set them to the shop's contracts.
    /// </summary>
    public Dictionary<Channel, decimal> UnitCosts { get; set; } = new()
    {
        [Channel.Email] = 0.1m,
        [Channel.Line] = 3m,
        [Channel.Postal] = 100m,
        [Channel.Phone] = 300m,
    };

    /// <summary>Customers each arm needs before the results recommend a winner.</summary>
    public int WinnerMinSamplePerArm { get; set; } = 200;

    /// <summary>Enrollments decided in parallel within one batch.</summary>
    public int Parallelism { get; set; } = 8;
}
