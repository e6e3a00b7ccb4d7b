using System.Text;
using Kozuchi.Channels.Line;

namespace Kozuchi.Channels.Tests.Line;

public sealed class LineSignatureTests
{
    private const string Secret = "line-channel-secret-for-tests";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"destination":"Uxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","events":[]}""");

    [Fact]
    public void The_signature_matches_a_fixed_vector()
    {
        // base64(HMAC-SHA256(secret, body)), computed outside .NET.
        Assert.Equal("b5n3t271oyBCeRCJwykpC+5vsx8cJmcax8n+om/nby0=", LineSignature.Sign(Body, Secret));
        Assert.True(LineSignature.Verify(Body, "b5n3t271oyBCeRCJwykpC+5vsx8cJmcax8n+om/nby0=", Secret));
    }

    [Fact]
    public void A_changed_body_a_wrong_secret_or_a_malformed_header_is_rejected()
    {
        var signature = LineSignature.Sign(Body, Secret);
        var tampered = (byte[])Body.Clone();
        tampered[^3] = (byte)'{';

        Assert.False(LineSignature.Verify(tampered, signature, Secret));
        Assert.False(LineSignature.Verify(Body, signature, Secret + "x"));
        Assert.False(LineSignature.Verify(Body, null, Secret));
        Assert.False(LineSignature.Verify(Body, "not base64!", Secret));
        Assert.False(LineSignature.Verify(Body, Convert.ToBase64String(new byte[16]), Secret));
        Assert.False(LineSignature.Verify(Body, signature, string.Empty));
    }

    [Fact]
    public void Follow_unfollow_and_account_link_events_are_read()
    {
        var body = Encoding.UTF8.GetBytes("""
            {"destination":"U0","events":[
             {"type":"follow","mode":"active","timestamp":1762040000000,"source":{"type":"user","userId":"U1"},"webhookEventId":"01A","deliveryContext":{"isRedelivery":false},"replyToken":"r","follow":{"isUnblocked":true}},
             {"type":"unfollow","mode":"active","timestamp":1762040000001,"source":{"type":"user","userId":"U2"},"webhookEventId":"01B","deliveryContext":{"isRedelivery":true}},
             {"type":"accountLink","mode":"active","timestamp":1762040000002,"source":{"type":"user","userId":"U3"},"webhookEventId":"01C","deliveryContext":{"isRedelivery":false},"replyToken":"r","link":{"result":"ok","nonce":"n-1"}},
             {"type":"message","mode":"active","timestamp":1762040000003,"source":{"type":"user","userId":"U4"},"webhookEventId":"01D","deliveryContext":{"isRedelivery":false},"message":{"type":"text","id":"1","text":"hi"}}
            ]}
            """);

        var events = LineWebhook.Parse(body);

        Assert.Equal([LineEventKind.Follow, LineEventKind.Unfollow, LineEventKind.AccountLink, LineEventKind.Other], events.Select(e => e.Kind));
        Assert.True(events[0].IsUnblocked);
        Assert.True(events[1].IsRedelivery);
        Assert.Equal(("U3", true, "n-1"), (events[2].UserId, events[2].LinkSucceeded, events[2].LinkNonce));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1762040000000), events[0].Timestamp);
    }
}
