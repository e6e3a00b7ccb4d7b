using System.Text;
using Kozuchi.Channels.Email;
using Kozuchi.Core.Common;

namespace Kozuchi.Channels.Tests.Email;

public sealed class UnsubscribeLinksTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private readonly UnsubscribeLinks _links = new(new UnsubscribeOptions { SigningKey = "unsubscribe-key-for-tests", BaseUrl = new Uri("https://kozuchi.example.jp"), Lifetime = TimeSpan.FromDays(30) });

    [Fact]
    public void A_link_names_the_customer_and_channel_and_verifies()
    {
        var token = _links.CreateToken("c0123456789abcdef", Channel.Email, Now);

        Assert.Equal(UnsubscribeCheck.Valid, _links.Verify(token, Now.AddDays(29), out var parsed));
        Assert.Equal(new UnsubscribeToken("c0123456789abcdef", Channel.Email, Now.AddDays(30)), parsed);
    }

    [Fact]
    public void The_headers_offer_rfc_8058_one_click()
    {
        var headers = _links.Headers("c1", Now);

        Assert.Equal("List-Unsubscribe=One-Click", headers["List-Unsubscribe-Post"]);
        Assert.StartsWith("<https://kozuchi.example.jp/api/unsubscribe?token=u1.", headers["List-Unsubscribe"], StringComparison.Ordinal);
        Assert.EndsWith(">", headers["List-Unsubscribe"], StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_link_is_refused()
    {
        var token = _links.CreateToken("c1", Channel.Email, Now);
        Assert.Equal(UnsubscribeCheck.Expired, _links.Verify(token, Now.AddDays(30), out _));
    }

    [Fact]
    public void Changing_the_customer_channel_expiry_or_signature_breaks_the_link()
    {
        var token = _links.CreateToken("c1", Channel.Email, Now);
        var parts = token.Split('.');
        string With(int index, string value)
        {
            var copy = (string[])parts.Clone();
            copy[index] = value;
            return string.Join('.', copy);
        }

        var otherCustomer = Convert.ToBase64String(Encoding.UTF8.GetBytes("c2")).TrimEnd('=');
        var laterExpiry = (long.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture) + 86400 * 365).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var flipped = parts[4][0] == 'A' ? "B" + parts[4][1..] : "A" + parts[4][1..];

        Assert.Equal(UnsubscribeCheck.BadSignature, _links.Verify(With(1, otherCustomer), Now, out _));
        Assert.Equal(UnsubscribeCheck.BadSignature, _links.Verify(With(2, "line"), Now, out _));
        Assert.Equal(UnsubscribeCheck.BadSignature, _links.Verify(With(3, laterExpiry), Now, out _));
        Assert.Equal(UnsubscribeCheck.BadSignature, _links.Verify(With(4, flipped), Now, out _));
        Assert.Equal(UnsubscribeCheck.BadSignature, _links.Verify(With(4, string.Empty), Now, out _));
        Assert.Equal(UnsubscribeCheck.Malformed, _links.Verify(string.Join('.', parts[..4]), Now, out _));
        Assert.Equal(UnsubscribeCheck.Malformed, _links.Verify(null, Now, out _));
    }

    [Fact]
    public void A_link_signed_with_another_key_is_refused()
    {
        var other = new UnsubscribeLinks(new UnsubscribeOptions { SigningKey = "some-other-key" });
        Assert.Equal(UnsubscribeCheck.BadSignature, _links.Verify(other.CreateToken("c1", Channel.Email, Now), Now, out _));
    }
}
