using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kozuchi.Channels.Email;
using Kozuchi.Channels.Line;
using Kozuchi.Core.Customers;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Storage.Channels;
using Kozuchi.Storage.Customers;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Channels;

/// <summary>The customer a preview is rendered for: a real one of the shop (by id), or the built-in sample.</summary>
public sealed record PreviewCustomer(string Id, string? Name, bool Sample);

/// <summary>An email as it would be sent: subject, preheader, text, and the name under which its HTML is served to the preview frame.</summary>
public sealed record EmailPreview(string Subject, string? Preheader, string Text, string To, string HtmlName);

/// <summary>
/// A template's parts rendered for one customer by the same renderer sends use (Liquid, the email layout, the LINE
/// message objects, the DM copy and the call script), with the problems that stop a part from rendering.
/// </summary>
public sealed record TemplatePreview(string Language, PreviewCustomer Customer, EmailPreview? Email, IReadOnlyList<JsonElement>? Line, string? Postal, string? Call, IReadOnlyList<string> Problems);

/// <summary>A test send written to the sandbox outbox: where it is (<see cref="Name"/>) and which scenario id it is listed under.</summary>
public sealed record TestSend(string Name, string Channel, string ScenarioId, string CustomerId);

/// <summary>
/// The template editor's preview and test send. A preview renders the parts being edited (saved or not) for a sample
/// customer and keeps the email's HTML as a preview message in the outbox (under <c>_preview/</c>, never listed), so
/// the page shows it through the same sandboxed document as 送信プレビュー. A test send renders the saved template and
/// writes it to the outbox as the sandbox would, under scenario <see cref="TestScenario"/>, whatever the configured
/// provider: a test never reaches a customer.
/// </summary>
public sealed class TemplatePreviews(TemplateCatalog catalog, CustomerStore customers, MessageRenderer renderer, EmailComposer composer, ChannelProviders providers, OutboxStore outbox, TimeProvider time)
{
    /// <summary>The scenario id test sends are listed under in 送信プレビュー.</summary>
    public const string TestScenario = "template-test";

    /// <summary>The customer previews use when none is chosen: a typical repeat buyer, with a three-line cart for cart recovery.</summary>
    public static Personalisation Sample { get; } = new()
    {
        Name = "佐藤 花子",
        LastProduct = "美容液 4本セット",
        EntryProduct = "お試しセット",
        Points = 1200,
        Cart = new CartDetails([new CartItem("美容液", "SERUM-1", 1, 5980m), new CartItem("化粧水", "LOTION-1", 2, 2980m), new CartItem("洗顔料", null, 1, 1980m)], 13920m, "JPY", new Uri("https://shop.example/cart/sample")),
    };

    private const string SampleId = "sample";
    private const string SampleEmail = "hanako.sato@example.com";

    /// <summary>The request of a preview: the parts as edited (the PUT body's shape), the language, and the customer (null: the sample).</summary>
    public sealed record PreviewRequest(TemplateEditor.TemplateRequest? Template, string? Language, string? CustomerId, string? TemplateId);

    public sealed record TestSendRequest(string? Channel, string? Language, string? CustomerId);

    public async Task<Outcome<TemplatePreview>> PreviewAsync(PreviewRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Template is null)
        {
            return Outcome.Invalid<TemplatePreview>("template: the parts to preview (the shape PUT /api/templates/{id} takes).");
        }

        var template = TemplateEditor.ToTemplate(request.TemplateId is { Length: > 0 } id && MessageTemplateStore.IsValidId(id) ? id : "preview", request.Template);
        var language = Language(request.Language);
        if (await CustomerAsync(request.CustomerId, cancellationToken) is not { } who)
        {
            return Outcome.NotFound<TemplatePreview>($"No active customer '{request.CustomerId}'.");
        }

        var problems = new List<string>();
        if (TemplateEditor.Problem(template.For(language), string.Empty) is { } problem)
        {
            problems.Add(problem);
        }

        var rendered = problems.Count > 0 ? null : Render(template, language, who, problems);
        EmailPreview? email = null;
        if (rendered?.Email is { } message)
        {
            var name = await outbox.WriteAsync(Message(template, "email", language, who.Customer, PreviewKey(message.Html)) with
            {
                ScenarioId = OutboxStore.PreviewScenario,
                Email = new OutboxEmail(message.To, message.ToName, message.Subject, message.Preheader, message.Html, message.PlainText, message.Headers),
            }, cancellationToken);
            email = new EmailPreview(message.Subject, message.Preheader, message.PlainText, message.To, name);
            await outbox.DeleteOldPreviewsAsync(who.Customer.Id, time.GetUtcNow().AddHours(-1), cancellationToken);
        }

        return new TemplatePreview(language, who.Customer, email, rendered?.Line, rendered?.Postal, rendered?.Call, problems);
    }

    /// <summary>The saved template rendered for the customer and written to the outbox on the request's channel (email or line).</summary>
    public async Task<Outcome<TestSend>> TestSendAsync(string templateId, TestSendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if ((await catalog.GetAsync(templateId, cancellationToken))?.Template is not { } template)
        {
            return Outcome.NotFound<TestSend>($"No template '{templateId}'.");
        }

        var channel = request.Channel ?? "email";
        if (channel is not ("email" or "line"))
        {
            return Outcome.Invalid<TestSend>("channel: email or line (DM and call texts are previewed, not sent).");
        }

        var language = Language(request.Language);
        if (await CustomerAsync(request.CustomerId, cancellationToken) is not { } who)
        {
            return Outcome.NotFound<TestSend>($"No active customer '{request.CustomerId}'.");
        }

        var problems = new List<string>();
        var rendered = Render(template, language, who, problems);
        var key = "test-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var message = Message(template, channel, language, who.Customer, key);
        if (channel == "email" && rendered.Email is { } email)
        {
            message = message with { Email = new OutboxEmail(email.To, email.ToName, email.Subject, email.Preheader, email.Html, email.PlainText, email.Headers) };
        }
        else if (channel == "line" && rendered.Line is { } line)
        {
            message = message with { Line = new OutboxLine(who.LineUserId ?? "U-sample", line) };
        }
        else
        {
            return Outcome.Invalid<TestSend>(problems.Count > 0 ? string.Join(" ", problems) : $"Template '{templateId}' has no {channel} part in {language}.");
        }

        return new TestSend(await outbox.WriteAsync(message, cancellationToken), channel, TestScenario, who.Customer.Id);
    }

    private sealed record Who(PreviewCustomer Customer, string Email, string? LineUserId, Personalisation Values, CustomerRecord? Record);

    private sealed record Rendered(EmailMessage? Email, IReadOnlyList<JsonElement>? Line, string? Postal, string? Call);

    private async Task<Who?> CustomerAsync(string? customerId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(customerId) || customerId == SampleId)
        {
            return new Who(new PreviewCustomer(SampleId, Sample.Name, true), SampleEmail, null, Sample with { ShopName = providers.ShopName, ShopUrl = providers.ShopUrl }, null);
        }

        if (await customers.GetActiveAsync(customerId, cancellationToken) is not { } record)
        {
            return null;
        }

        return new Who(new PreviewCustomer(record.CustomerId, record.Contact.Name, false), record.Contact.Email ?? SampleEmail, record.LineUserId, renderer.For(record, null) with { Cart = Sample.Cart }, record);
    }

    private Rendered Render(MessageTemplate template, string language, Who who, List<string> problems)
    {
        var parts = template.For(language);
        var values = who.Values with { Language = language, Coupon = template.Coupon };
        EmailMessage? email = null;
        if (parts.Email is { } e)
        {
            if (EmailTemplates.TryCompile(new EmailTemplate(e.Subject, e.Html, e.Text) { Preheader = e.Preheader }, out var compiled, out var error))
            {
                email = Try(problems, "email", () => providers.UnsubscribeReady
                    ? composer.Compose(compiled!, who.Customer.Id, who.Email, who.Customer.Name, values)
                    : Unsigned(compiled!, who, values));
            }
            else
            {
                problems.Add("email: " + error);
            }
        }

        IReadOnlyList<JsonElement>? line = null;
        if (MessageRenderer.LineMessages(parts) is { } messages)
        {
            if (LineTemplates.TryCompile(messages, out var compiled, out var error))
            {
                var (rendered, problem) = Try(problems, "line", () => compiled!.Render(values));
                if (problem is not null)
                {
                    problems.Add("line: " + problem);
                }

                line = rendered?.Select(m => JsonSerializer.SerializeToElement(m.ToJson())).ToList();
            }
            else
            {
                problems.Add("line: " + error);
            }
        }

        var postal = parts.Postal is { } p ? Try(problems, "postal", () => EmailTemplates.RenderPlain(p.Text, values)) : null;
        var call = parts.Call is { } c ? Try(problems, "call", () => EmailTemplates.RenderPlain(c.Script, values)) : null;
        return new Rendered(email, line, postal, call);
    }

    /// <summary>Without unsubscribe signing (a development app), the preview shows a placeholder link rather than nothing.</summary>
    private static EmailMessage Unsigned(EmailTemplates.CompiledEmailTemplate compiled, Who who, Personalisation values)
    {
        var personal = values with { UnsubscribeUrl = new Uri("https://kozuchi.example/api/unsubscribe?token=preview") };
        var rendered = EmailLayout.Apply(compiled.Render(personal), personal);
        return new EmailMessage(who.Email, who.Customer.Name, rendered.Subject, rendered.Html, rendered.Text) { Preheader = rendered.Preheader };
    }

    /// <summary>A part that fails to render (a limit, a bad filter) is a problem to show, not an error page.</summary>
    private static T? Try<T>(List<string> problems, string part, Func<T> render)
    {
        try
        {
            return render();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            problems.Add($"{part}: {e.Message}");
            return default;
        }
    }

    private OutboxMessage Message(MessageTemplate template, string channel, string language, PreviewCustomer customer, string key) => new()
    {
        Channel = channel,
        LedgerKey = key,
        IdempotencyKey = key,
        ScenarioId = TestScenario,
        Template = template.Id,
        TemplateRevision = template.Revision,
        Language = language,
        CustomerId = customer.Id,
        EnrollmentId = key,
        StepId = "test-send",
        At = time.GetUtcNow(),
        FirstAttemptAt = time.GetUtcNow(),
    };

    /// <summary>The same HTML previews under the same name, so typing back and forth does not pile up messages.</summary>
    private static string PreviewKey(string html) => "p-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(html)).AsSpan(0, 12));

    private string Language(string? requested) => requested is "ja" or "en" ? requested : providers.Language;
}

/// <summary><c>POST /api/templates/preview</c> and <c>POST /api/templates/{id}/test-send</c>: thin adapters over <see cref="TemplatePreviews"/>.</summary>
public sealed class TemplatePreviewFunctions(TemplatePreviews previews)
{
    [Function("PreviewTemplate")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> PreviewAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "templates/preview")] HttpRequest req, CancellationToken cancellationToken) =>
        (await previews.PreviewAsync(await req.RequiredJsonAsync<TemplatePreviews.PreviewRequest>(cancellationToken), cancellationToken)).ToResult();

    [Function("TestSendTemplate")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> TestSendAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "templates/{id}/test-send")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        (await previews.TestSendAsync(id, await req.RequiredJsonAsync<TemplatePreviews.TestSendRequest>(cancellationToken), cancellationToken)).ToResult();
}
