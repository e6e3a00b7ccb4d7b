using System.Text.Json;
using System.Text.Json.Nodes;
using Fluid;
using Kozuchi.Channels.Email;

namespace Kozuchi.Channels.Line;

/// <summary>
/// LINE message objects as templates: each a <c>text</c> or <c>flex</c> message whose string values are Liquid with the
/// same fields as email (<see cref="EmailTemplates"/>). Rendered per customer into what a push or multicast carries.
/// A text that renders empty is left out (a coupon bubble without a coupon); a template that renders to nothing, or
/// to a text over LINE's 5,000 characters, is a failed send, not an exception.
/// </summary>
public sealed class LineTemplates
{
    private readonly IReadOnlyList<JsonNode> _messages;
    private readonly Dictionary<string, IFluidTemplate> _strings;

    private LineTemplates(IReadOnlyList<JsonNode> messages, Dictionary<string, IFluidTemplate> strings)
    {
        _messages = messages;
        _strings = strings;
    }

    /// <summary>A single text message: what the <c>line</c> part of a template (plain text) is.</summary>
    public static JsonElement TextMessage(string text) => JsonSerializer.SerializeToElement(new { type = "text", text });

    /// <summary>Parses the message objects; false with the problem (which message, what is wrong) when they cannot be sent.</summary>
    public static bool TryCompile(IReadOnlyList<JsonElement> messages, out LineTemplates? compiled, out string? error)
    {
        ArgumentNullException.ThrowIfNull(messages);
        compiled = null;
        error = null;
        if (messages.Count is 0 or > LineMessage.MaxPerRequest)
        {
            error = $"1 to {LineMessage.MaxPerRequest} messages.";
            return false;
        }

        var nodes = new List<JsonNode>();
        var strings = new Dictionary<string, IFluidTemplate>(StringComparer.Ordinal);
        for (var i = 0; i < messages.Count; i++)
        {
            var node = JsonNode.Parse(messages[i].GetRawText());
            var type = (node as JsonObject)?["type"]?.GetValueKind() == JsonValueKind.String ? node!["type"]!.GetValue<string>() : null;
            switch (type)
            {
                case "text" when node!["text"]?.GetValueKind() == JsonValueKind.String:
                    break;
                case "flex" when node!["altText"]?.GetValueKind() == JsonValueKind.String && node["contents"] is JsonObject contents
                    && contents["type"]?.GetValueKind() == JsonValueKind.String && contents["type"]!.GetValue<string>() is "bubble" or "carousel":
                    break;
                default:
                    error = $"message {i + 1}: a text message ({{\"type\":\"text\",\"text\":…}}) or a flex message with altText and a bubble or carousel.";
                    return false;
            }

            foreach (var value in Strings(node!))
            {
                var source = value.GetValue<string>();
                if (!strings.ContainsKey(source))
                {
                    if (!EmailTemplates.TryParse(source, out var template, out var parseError))
                    {
                        error = $"message {i + 1}: {parseError}";
                        return false;
                    }

                    strings[source] = template!;
                }
            }

            nodes.Add(node!);
        }

        compiled = new LineTemplates(nodes, strings);
        return true;
    }

    /// <summary>The messages for one customer, or null with why they cannot be sent (<c>line-text-length</c>).</summary>
    public (IReadOnlyList<LineMessage>? Messages, string? Problem) Render(Personalisation values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var rendered = new List<LineMessage>();
        foreach (var template in _messages)
        {
            var node = template.DeepClone();
            foreach (var value in Strings(node).ToList())
            {
                value.ReplaceWith(JsonValue.Create(EmailTemplates.RenderText(_strings[value.GetValue<string>()], values)));
            }

            if (node["type"]!.GetValue<string>() == "text")
            {
                var text = node["text"]!.GetValue<string>().Trim();
                if (text.Length == 0)
                {
                    continue;
                }

                if (text.Length > LineMessage.MaxTextLength)
                {
                    return (null, "line-text-length");
                }

                rendered.Add(LineMessage.Text(text));
            }
            else
            {
                rendered.Add(LineMessage.Flex(node["altText"]!.GetValue<string>(), JsonSerializer.SerializeToElement(node["contents"])));
            }
        }

        return rendered.Count == 0 ? (null, "line-text-length") : (rendered, null);
    }

    /// <summary>Every string value of a message object, however deep (a flex bubble's texts, labels and URIs).</summary>
    private static IEnumerable<JsonValue> Strings(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var child in o.Select(p => p.Value).OfType<JsonNode>().ToList())
                {
                    foreach (var s in Strings(child))
                    {
                        yield return s;
                    }
                }

                break;
            case JsonArray a:
                foreach (var child in a.OfType<JsonNode>().ToList())
                {
                    foreach (var s in Strings(child))
                    {
                        yield return s;
                    }
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                yield return v;
                break;
        }
    }
}
