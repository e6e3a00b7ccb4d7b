using System.Text.Json;
using Kozuchi.Channels.Email;
using Kozuchi.Channels.Line;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Storage.Channels;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Channels;

/// <summary><c>GET/PUT /api/templates/{id}</c>: message templates as data, checked before they are stored.</summary>
public sealed class TemplateFunctions(TemplateEditor editor)
{
    [Function("ListTemplates")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "templates")] HttpRequest req, CancellationToken cancellationToken) =>
        TypedResults.Ok(await editor.ListAsync(cancellationToken));

    [Function("GetTemplate")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "templates/{id}")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        await editor.GetAsync(id, cancellationToken) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();

    [Function("PutTemplate")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> PutAsync([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "templates/{id}")] HttpRequest req, string id, CancellationToken cancellationToken) =>
        (await editor.PutAsync(id, await req.RequiredJsonAsync<TemplateEditor.TemplateRequest>(cancellationToken), cancellationToken)).ToResult();
}

/// <summary>Templates as stored, over the built-in defaults (<see cref="TemplateCatalog"/>); an edit is checked part by part before it is saved, with optimistic concurrency.</summary>
public sealed class TemplateEditor(MessageTemplateStore store, TemplateCatalog catalog, TimeProvider time)
{
    /// <summary><see cref="ExpectedRevision"/>: the revision the editor started from (409 if someone saved since); omit to overwrite.</summary>
    public sealed record TemplateRequest(string? Description, EmailTemplateContent? Email, string? Line, int? ExpectedRevision)
    {
        public IReadOnlyList<JsonElement>? LineMessages { get; init; }

        public PostalTemplateContent? Postal { get; init; }

        public CallTemplateContent? Call { get; init; }

        public string? Coupon { get; init; }

        public TemplateParts? En { get; init; }
    }

    public Task<IReadOnlyList<TemplateView>> ListAsync(CancellationToken cancellationToken) => catalog.ListAsync(cancellationToken);

    public Task<TemplateView?> GetAsync(string id, CancellationToken cancellationToken) => catalog.GetAsync(id, cancellationToken);

    public async Task<Outcome<TemplateView>> PutAsync(string id, TemplateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MessageTemplateStore.IsValidId(id))
        {
            return Outcome.Invalid<TemplateView>("A template id is 1-100 ASCII letters, digits, '-' or '_'.");
        }

        var parts = new TemplateParts { Email = request.Email, Line = request.Line, LineMessages = request.LineMessages, Postal = request.Postal, Call = request.Call };
        if (parts.Channels().Count == 0)
        {
            return Outcome.Invalid<TemplateView>("A template needs a part: email, line (or lineMessages), postal or call.");
        }

        if ((Problem(parts, string.Empty) ?? (request.En is { } en ? Problem(en, "en.") : null)) is { } problem)
        {
            return Outcome.Invalid<TemplateView>(problem);
        }

        // Rendered once for a sample customer before it is stored: a template past the limits (a loop of millions, a
        // string doubled until it is megabytes) is refused now, not when the first thousand sends fail.
        if ((RenderProblem(parts, string.Empty) ?? (request.En is { } english ? RenderProblem(english, "en.") : null)) is { } limit)
        {
            return Outcome.Unprocessable<TemplateView>(limit);
        }

        var template = ToTemplate(id, request);
        MessageTemplate? saved;
        try
        {
            saved = await store.SaveAsync(template, request.ExpectedRevision, time.GetUtcNow(), cancellationToken);
        }
        catch (ArgumentException e)
        {
            return Outcome.Invalid<TemplateView>(e.Message);
        }

        return saved is null
            ? Outcome.Conflict<TemplateView>($"Template '{id}' was changed since revision {request.ExpectedRevision}; reload it and edit again.")
            : new TemplateView(saved, false);
    }

    /// <summary>The template an edit describes (not yet checked, not stored).</summary>
    public static MessageTemplate ToTemplate(string id, TemplateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new MessageTemplate
        {
            Id = id,
            Description = request.Description,
            Email = request.Email,
            Line = request.Line,
            LineMessages = request.LineMessages,
            Postal = request.Postal,
            Call = request.Call,
            Coupon = request.Coupon,
            En = request.En,
        };
    }

    /// <summary>What is wrong with a set of parts (each must parse as Liquid, LINE within its limits), prefixed by where; null when nothing.</summary>
    internal static string? Problem(TemplateParts parts, string prefix)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Email is { } email && EmailProblem(email) is { } emailError)
        {
            return prefix + "email: " + emailError;
        }

        if (parts.Line is { } line && LineProblem(line) is { } lineError)
        {
            return prefix + "line: " + lineError;
        }

        if (parts.LineMessages is { } messages && !LineTemplates.TryCompile(messages, out _, out var messagesError))
        {
            return prefix + "lineMessages: " + messagesError;
        }

        if (parts.Postal is { } postal && TextProblem(postal.Text) is { } postalError)
        {
            return prefix + "postal: " + postalError;
        }

        return parts.Call is { } call && TextProblem(call.Script) is { } callError ? prefix + "call: " + callError : null;
    }

    /// <summary>What a template would say to a typical customer with a three-line cart; the limits are the same at send time.</summary>
    public static Personalisation SampleCustomer { get; } = new()
    {
        Name = "佐藤 花子",
        LastProduct = "美容液 4本セット",
        EntryProduct = "お試しセット",
        Points = 1200,
        Coupon = "WELCOME500",
        UnsubscribeUrl = new Uri("https://kozuchi.example/api/unsubscribe?token=sample"),
        Cart = new CartDetails([new CartItem("美容液", "SERUM-1", 1, 5980m), new CartItem("化粧水", "LOTION-1", 2, 2980m), new CartItem("洗顔料", null, 1, 1980m)], 13920m, "JPY", new Uri("https://shop.example/cart/sample")),
    };

    /// <summary>
    /// The rendering limit a part exceeds for <see cref="SampleCustomer"/> (<see cref="TemplateLimits"/>), prefixed by
    /// where, in words; null when every part renders within them. Run on parts that parse (<see cref="Problem"/> first).
    /// </summary>
    internal static string? RenderProblem(TemplateParts parts, string prefix)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var renders = new List<(string Name, Action Render)>();
        if (parts.Email is { } email && EmailTemplates.TryCompile(new EmailTemplate(email.Subject, email.Html, email.Text) { Preheader = email.Preheader }, out var compiled, out _))
        {
            renders.Add(("email", () => compiled!.Render(SampleCustomer)));
        }

        if (parts.Line is { } line && EmailTemplates.TryCompile(new EmailTemplate("", "", line), out var lineText, out _))
        {
            renders.Add(("line", () => lineText!.Render(SampleCustomer)));
        }

        if (parts.LineMessages is { } messages && LineTemplates.TryCompile(messages, out var lineMessages, out _))
        {
            renders.Add(("lineMessages", () => lineMessages!.Render(SampleCustomer)));
        }

        if (parts.Postal is { } postal)
        {
            renders.Add(("postal", () => EmailTemplates.RenderPlain(postal.Text, SampleCustomer)));
        }

        if (parts.Call is { } call)
        {
            renders.Add(("call", () => EmailTemplates.RenderPlain(call.Script, SampleCustomer)));
        }

        foreach (var (name, render) in renders)
        {
            try
            {
                render();
            }
            catch (TemplateLimitException e)
            {
                return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{prefix}{name}: {e.Message}. A template may run at most {TemplateLimits.MaxSteps:N0} Liquid steps and render at most {TemplateLimits.MaxRenderedChars:N0} characters per part.");
            }
        }

        return null;
    }

    private static string? EmailProblem(EmailTemplateContent email)
    {
        if (string.IsNullOrWhiteSpace(email.Subject) || email.Html is null || email.Text is null)
        {
            return "subject, html and text are required";
        }

        return EmailTemplates.TryCompile(new EmailTemplate(email.Subject, email.Html, email.Text) { Preheader = email.Preheader }, out _, out var error) ? null : error ?? "does not parse";
    }

    private static string? LineProblem(string line)
    {
        if (line.Length is 0 or > LineMessage.MaxTextLength)
        {
            return $"1 to {LineMessage.MaxTextLength} characters";
        }

        return TextProblem(line);
    }

    private static string? TextProblem(string text) =>
        string.IsNullOrWhiteSpace(text) ? "empty"
            : EmailTemplates.TryCompile(new EmailTemplate("", "", text), out _, out var error) ? null : error ?? "does not parse";
}
