using Kozuchi.Storage.Channels;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// Templates that exist before the shop writes any, so the preset scenarios send something sensible on day one. A
/// stored template of the same id replaces its default (<c>PUT /api/templates/{id}</c>).
/// </summary>
public static class DefaultTemplates
{
    private static readonly MessageTemplate[] Builtin =
    [
        new MessageTemplate
        {
            Id = "first-order-thanks",
            Description = "初回購入のお礼（ステップメール 1 通目）",
            Email = new EmailTemplateContent(
                "{{ name }} 様、ご購入ありがとうございます",
                """
                <p>{{ name }} 様</p>
                <p>このたびは「{{ entry_product }}」をお買い上げいただき、誠にありがとうございます。</p>
                <p>お届けまで今しばらくお待ちください。ご不明な点はこのメールにご返信ください。</p>
                <p style="font-size:small">配信停止は<a href="{{ unsubscribe_url }}">こちら</a></p>
                """,
                """
                {{ name }} 様

                このたびは「{{ entry_product }}」をお買い上げいただき、誠にありがとうございます。
                お届けまで今しばらくお待ちください。ご不明な点はこのメールにご返信ください。

                配信停止: {{ unsubscribe_url }}
                """),
            Line = "{{ name }} 様、「{{ entry_product }}」のご購入ありがとうございます！お届けまで今しばらくお待ちください。",
        },
        new MessageTemplate
        {
            Id = "winback-coupon",
            Description = "休眠顧客の掘り起こし（クーポン）",
            Email = new EmailTemplateContent(
                "{{ name }} 様へ、お久しぶりのご挨拶とクーポンのお知らせ",
                """
                <p>{{ name }} 様</p>
                <p>前回ご購入いただいた「{{ last_product }}」はいかがでしたか。</p>
                <p>またお会いできるよう、次回のお買い物で使えるクーポンをご用意しました。{% if coupon != "" %}クーポンコード: <strong>{{ coupon }}</strong>{% endif %}</p>
                <p style="font-size:small">配信停止は<a href="{{ unsubscribe_url }}">こちら</a></p>
                """,
                """
                {{ name }} 様

                前回ご購入いただいた「{{ last_product }}」はいかがでしたか。
                またお会いできるよう、次回のお買い物で使えるクーポンをご用意しました。{% if coupon != "" %}
                クーポンコード: {{ coupon }}{% endif %}

                配信停止: {{ unsubscribe_url }}
                """),
            Line = "{{ name }} 様、お久しぶりです。「{{ last_product }}」のその後はいかがですか？次回のお買い物で使えるクーポンをご用意しました。",
        },
    ];

    /// <summary>Every built-in template: the ones above and the files in <c>scenarios/templates/</c> (one per id, embedded).</summary>
    public static IReadOnlyList<MessageTemplate> All { get; } = [.. Builtin, .. Embedded()];

    private static List<MessageTemplate> Embedded()
    {
        var assembly = System.Reflection.Assembly.GetExecutingAssembly();
        var templates = new List<MessageTemplate>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("templates/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            templates.Add(System.Text.Json.JsonSerializer.Deserialize<MessageTemplate>(stream, MessageTemplate.Json) ?? throw new InvalidDataException($"{name} is JSON null."));
        }

        return templates;
    }

    public static MessageTemplate? Find(string id) => All.FirstOrDefault(t => t.Id == id);
}
