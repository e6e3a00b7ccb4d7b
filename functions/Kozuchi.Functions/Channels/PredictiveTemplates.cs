using Kozuchi.Storage.Channels;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// The templates of the 優良顧客の離脱防止 preset (<c>scenarios/presets/vip-churn-prevention.json</c>): a personal
/// thank-you on LINE or e-mail, and the operator's script for the follow-up call; each with an English variant
/// (<c>-en</c>) for a shop that writes to its customers in English.
/// </summary>
public static class PredictiveTemplates
{
    public static IReadOnlyList<MessageTemplate> All { get; } =
    [
        new MessageTemplate
        {
            Id = "vip-retention-line",
            Description = "優良顧客の離脱防止: 感謝とご様子伺い（LINE・メール）",
            Email = new EmailTemplateContent(
                "{{ name }}様へ、日頃のご愛顧への感謝を込めて",
                """
                <p>{{ name }}様</p>
                <p>いつも当店をご愛顧いただき、誠にありがとうございます。</p>
                <p>しばらくお見かけしておりませんでしたので、{% if last_product != "" %}前回お求めいただいた「{{ last_product }}」のその後はいかがかと、{% endif %}気にかけておりました。</p>
                <p>日頃の感謝を込めて、ささやかなご案内をご用意いたしました。{% if coupon != "" %}次回のお買い物で、クーポンコード <strong>{{ coupon }}</strong> をお使いください。{% endif %}</p>
                <p>お困りのことやご要望がございましたら、このメールにご返信ください。担当者よりご連絡いたします。</p>
                <p style="font-size:small">配信停止は<a href="{{ unsubscribe_url }}">こちら</a></p>
                """,
                """
                {{ name }}様

                いつも当店をご愛顧いただき、誠にありがとうございます。
                しばらくお見かけしておりませんでしたので、{% if last_product != "" %}前回お求めいただいた「{{ last_product }}」のその後はいかがかと、{% endif %}気にかけておりました。

                日頃の感謝を込めて、ささやかなご案内をご用意いたしました。{% if coupon != "" %}
                次回のお買い物で、クーポンコード {{ coupon }} をお使いください。{% endif %}

                お困りのことやご要望がございましたら、このメールにご返信ください。担当者よりご連絡いたします。

                配信停止: {{ unsubscribe_url }}
                """),
            Line = """
                {{ name }}様、いつもご愛顧いただきありがとうございます。
                しばらくお見かけしておりませんでしたので、{% if last_product != "" %}「{{ last_product }}」のその後はいかがかと{% endif %}気にかけておりました。
                日頃の感謝を込めて、ささやかなご案内をご用意しています。{% if coupon != "" %}クーポンコード: {{ coupon }}{% endif %}
                お困りのことがあれば、このトークにお気軽にお返事ください。
                """,
        },
        new MessageTemplate
        {
            Id = "vip-retention-call",
            Description = "優良顧客の離脱防止: フォローのお電話（架電スクリプト）",
            CallScript = """
                【優良顧客フォロー】{{ name }}様
                1. ご挨拶:「{{ name }}様のお電話でよろしいでしょうか。いつも当店をご愛顧いただき、ありがとうございます。」
                2. ご用件:「{% if last_product != "" %}以前お求めいただいた『{{ last_product }}』の{% endif %}その後のご様子をお伺いしたく、お電話いたしました。今、少しだけお時間よろしいでしょうか。」
                3. お伺い: 使い心地、お届けの間隔、余っている・足りないものがないかをお聞きする。
                4. ご提案: ご希望があれば次回のお届けをその場で承る。{% if coupon != "" %}特典のクーポンコード {{ coupon }} をご案内する。{% endif %}
                5. 締め: お礼を伝える。今後のお電話を望まれない場合は、その場で架電停止として記録する。
                """,
        },
        new MessageTemplate
        {
            Id = "vip-retention-line-en",
            Description = "VIP churn prevention: a thank-you and a check-in (LINE, e-mail), English",
            Email = new EmailTemplateContent(
                "A thank-you to you, {{ name }}",
                """
                <p>Dear {{ name }},</p>
                <p>Thank you for being one of our most valued customers.</p>
                <p>We have not seen you for a while{% if last_product != "" %} and wondered how you are getting on with {{ last_product }}{% endif %}.</p>
                <p>As a thank-you, we have prepared something for you.{% if coupon != "" %} Use the code <strong>{{ coupon }}</strong> on your next order.{% endif %}</p>
                <p>If there is anything we can do for you, simply reply to this e-mail and we will be in touch.</p>
                <p style="font-size:small"><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>
                """,
                """
                Dear {{ name }},

                Thank you for being one of our most valued customers.
                We have not seen you for a while{% if last_product != "" %} and wondered how you are getting on with {{ last_product }}{% endif %}.

                As a thank-you, we have prepared something for you.{% if coupon != "" %} Use the code {{ coupon }} on your next order.{% endif %}

                If there is anything we can do for you, simply reply to this e-mail and we will be in touch.

                Unsubscribe: {{ unsubscribe_url }}
                """),
            Line = """
                Dear {{ name }}, thank you for being one of our most valued customers.
                We have not seen you for a while{% if last_product != "" %} and wondered how you are getting on with {{ last_product }}{% endif %}.
                As a thank-you, we have prepared something for you.{% if coupon != "" %} Your code: {{ coupon }}{% endif %}
                If there is anything we can do, just reply to this message.
                """,
        },
        new MessageTemplate
        {
            Id = "vip-retention-call-en",
            Description = "VIP churn prevention: a follow-up call (call script), English",
            CallScript = """
                [VIP follow-up] {{ name }}
                1. Greeting: "Am I speaking with {{ name }}? Thank you for being such a loyal customer of ours."
                2. Reason: "I am calling to see how you are getting on{% if last_product != "" %} with the {{ last_product }} you bought from us{% endif %}. Do you have a moment?"
                3. Listen: how the products suit them, whether the delivery interval is right, anything running short or piling up.
                4. Offer: take their next order on the call if they wish.{% if coupon != "" %} Mention the code {{ coupon }}.{% endif %}
                5. Close: thank them. If they do not want further calls, record them as do-not-call there and then.
                """,
        },
    ];
}
