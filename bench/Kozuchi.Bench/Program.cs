using Kozuchi.Bench;

// dotnet run -c Release --project bench/Kozuchi.Bench -- <ingest|webhooks|rfm|reports|pages|scenarios|sends|erasure|import-limits|requests|emulator> [--orders N] [--customers N] [--senders N]
var command = args.FirstOrDefault() ?? "help";
int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
}

Report.Machine();
switch (command)
{
    case "ingest":
        await IngestBench.RunAsync(Option("--orders", 1_000_000), TimeSpan.FromSeconds(Option("--deadline-seconds", Option("--deadline-minutes", 0) * 60)), !args.Contains("--no-count"));
        break;
    case "webhooks":
        await WebhookBench.RunAsync(Option("--orders", 100_000), Option("--senders", 4), args.Contains("--in-order"), args.Contains("--count-ops"), args.Contains("--with-scenario"));
        break;
    case "decider":
        DeciderBenchmarks.Run();
        break;
    case "segments":
        SegmentBench.Run(Option("--customers", 1_000_000));
        break;
    case "rfm":
        await RfmBench.RunAsync(Option("--customers", 1_000_000));
        break;
    case "clv":
        ClvBench.Run(Option("--customers", 1_000_000));
        break;
    case "reports":
        ReportsBench.Run(Option("--customers", 1_000_000));
        break;
    case "pages":
        await PagesBench.RunAsync(Option("--customers", 1_000_000), Option("--enrollments", 20_000), args.Contains("--duckdb"), Option("--write-minutes", 60));
        break;
    case "scenarios":
        await ScenarioBench.RunAsync(Option("--customers", 100_000), args.Contains("--first-step-only"), Option("--deadline-minutes", 0), args.Contains("--count-ops"));
        break;
    case "erasure":
        await ErasureBench.RunAsync([Option("--small", 26), Option("--large", 2_600)]);
        break;
    case "import-limits":
        ImportLimitsBench.Run(Option("--megabytes", 300));
        break;
    case "emulator":
        await EmulatorCostBench.RunAsync([10_000, 40_000, 100_000]);
        break;
    case "requests":
        await RequestsBench.RunAsync(Option("--orders", 20_000), Option("--customers", 2_000), Option("--erasures", 100), args.SkipWhile(a => a != "--only").Skip(1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal));
        break;
    case "sends":
        await SendsBench.RunAsync(Option("--line", 20_000), Option("--batch", Kozuchi.Storage.Scenarios.SendBatchMessage.MaxRecipients), Option("--emails", 1_800), Option("--email-rate", 600));
        break;
    default:
        Console.WriteLine("usage: Kozuchi.Bench ingest [--orders 1000000] [--deadline-minutes N | --deadline-seconds N] [--no-count] | webhooks [--orders 100000] [--senders 4] [--in-order] [--count-ops] [--with-scenario] | rfm [--customers 1000000] | reports [--customers 1000000] | pages [--customers 1000000] [--enrollments 20000] [--duckdb] [--write-minutes 60] | decider | segments [--customers 1000000] | scenarios [--customers 100000] [--first-step-only] [--deadline-minutes N] [--count-ops] | emulator | requests [--orders 20000] [--customers 2000] [--erasures 100] [--only webhook csv pull scenario sends erasure] | sends [--line 20000] [--batch 500] [--emails 1800] [--email-rate 600] | erasure [--small 26] [--large 2600] | import-limits [--megabytes 300]");
        return 2;
}

return 0;
