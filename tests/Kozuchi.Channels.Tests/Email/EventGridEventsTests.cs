using System.Text;
using Kozuchi.Channels.Email;

namespace Kozuchi.Channels.Tests.Email;

public sealed class EventGridEventsTests
{
    [Fact]
    public void The_subscription_handshake_yields_its_validation_code()
    {
        var batch = EventGridEvents.Parse(Encoding.UTF8.GetBytes("""
            [{"id":"1","topic":"t","subject":"","data":{"validationCode":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6","validationUrl":"https://rp-eastus2.eventgrid.azure.net/x"},
              "eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":"2026-11-02T00:00:00Z","metadataVersion":"1","dataVersion":"2"}]
            """));

        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", batch.ValidationCode);
        Assert.Empty(batch.Reports);
    }

    [Fact]
    public void Delivery_reports_are_read_and_only_hard_bounces_and_suppressions_suppress()
    {
        static string Report(string id, string status) => $$"""
            {"id":"{{id}}","topic":"/subscriptions/x/resourceGroups/rg/providers/Microsoft.Communication/CommunicationServices/acs","subject":"sender/DoNotReply@mail.example.jp/message/op-1",
             "data":{"sender":"DoNotReply@mail.example.jp","recipient":"hanako@example.jp","messageId":"op-1","status":"{{status}}",
                     "deliveryStatusDetails":{"statusMessage":"detail"},"deliveryAttemptTimeStamp":"2026-11-02T00:00:05.000Z"},
             "eventType":"Microsoft.Communication.EmailDeliveryReportReceived","dataVersion":"1.0","metadataVersion":"1","eventTime":"2026-11-02T00:00:06Z"}
            """;
        var body = "[" + string.Join(',', Report("e1", "Delivered"), Report("e2", "Bounced"), Report("e3", "Suppressed"), Report("e4", "Failed"), Report("e5", "FilteredSpam"),
            """{"id":"e6","eventType":"Microsoft.Communication.EmailEngagementTrackingReportReceived","data":{}}""") + "]";

        var batch = EventGridEvents.Parse(Encoding.UTF8.GetBytes(body));

        Assert.Null(batch.ValidationCode);
        Assert.Equal(1, batch.Ignored);
        Assert.Equal([EmailDeliveryStatus.Delivered, EmailDeliveryStatus.Bounced, EmailDeliveryStatus.Suppressed, EmailDeliveryStatus.Failed, EmailDeliveryStatus.FilteredSpam], batch.Reports.Select(r => r.Status));
        Assert.Equal([false, true, true, false, false], batch.Reports.Select(r => r.SuppressesAddress));
        Assert.Equal(("op-1", "hanako@example.jp", "detail"), (batch.Reports[0].MessageId, batch.Reports[0].Recipient, batch.Reports[0].StatusMessage));
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 0, 0, 5, TimeSpan.Zero), batch.Reports[0].AttemptedAt);
    }
}
