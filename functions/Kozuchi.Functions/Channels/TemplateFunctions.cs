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

/// <summary>Templates as stored, over the built-in defaults; an edit is compiled before it is saved, with optimistic concurrency.</summary>
public sealed class TemplateEditor(MessageTemplateStore store, TimeProvider time)
{
    /// <summary>What the API returns: the template, and whether it is a built-in default nobody has saved over yet.</summary>
    public sealed record TemplateView(MessageTemplate Template, bool IsDefault);

    /// <summary><see cref="ExpectedRevision"/>: the revision the editor started from (409 if someone saved since); omit to overwrite.</summary>
    public sealed record TemplateRequest(string? Description, EmailTemplateContent? Email, string? Line, int? ExpectedRevision);

    public async Task<IReadOnlyList<TemplateView>> ListAsync(CancellationToken cancellationToken)
    {
        var stored = new List<TemplateView>();
        await foreach (var t in store.ListAsync(cancellationToken))
        {
            stored.Add(new TemplateView(t, false));
        }

        var defaults = DefaultTemplates.All.Where(d => stored.All(s => s.Template.Id != d.Id)).Select(d => new TemplateView(d, true));
        return [.. stored.Concat(defaults).OrderBy(v => v.Template.Id, StringComparer.Ordinal)];
    }

    public async Task<TemplateView?> GetAsync(string id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } stored ? new TemplateView(stored, false)
        : DefaultTemplates.Find(id) is { } builtIn ? new TemplateView(builtIn, true)
        : null;

    public async Task<Outcome<TemplateView>> PutAsync(string id, TemplateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MessageTemplateStore.IsValidId(id))
        {
            return Outcome.Invalid<TemplateView>("A template id is 1-100 ASCII letters, digits, '-' or '_'.");
        }

        if (request.Email is null && request.Line is null)
        {
            return Outcome.Invalid<TemplateView>("A template needs an email part, a line part, or both.");
        }

        if (request.Email is { } email && EmailProblem(email) is { } emailError)
        {
            return Outcome.Invalid<TemplateView>("email: " + emailError);
        }

        if (request.Line is { } line && LineProblem(line) is { } lineError)
        {
            return Outcome.Invalid<TemplateView>("line: " + lineError);
        }

        // Rendered once for a sample customer before it is stored: a template past the limits (a loop of millions, a
        // string doubled until it is megabytes) is refused now, not when the first thousand sends fail.
        if (RenderProblem(request) is { } limit)
        {
            return Outcome.Unprocessable<TemplateView>(limit);
        }

        var saved = await store.SaveAsync(new MessageTemplate { Id = id, Description = request.Description, Email = request.Email, Line = request.Line }, request.ExpectedRevision, time.GetUtcNow(), cancellationToken);
        return saved is null
            ? Outcome.Conflict<TemplateView>($"Template '{id}' was changed since revision {request.ExpectedRevision}; reload it and edit again.")
            : new TemplateView(saved, false);
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

    /// <summary>The rendering limit a part exceeds for <see cref="SampleCustomer"/>, in words; null when it renders within them.</summary>
    private static string? RenderProblem(TemplateRequest request)
    {
        var parts = new List<(string Name, EmailTemplate Template)>();
        if (request.Email is { } email)
        {
            parts.Add(("email", new EmailTemplate(email.Subject, email.Html, email.Text)));
        }

        if (request.Line is { } line)
        {
            parts.Add(("line", new EmailTemplate("", "", line)));
        }

        foreach (var (name, template) in parts)
        {
            try
            {
                if (EmailTemplates.TryCompile(template, out var compiled, out _))
                {
                    compiled!.Render(SampleCustomer);
                }
            }
            catch (TemplateLimitException e)
            {
                return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name}: {e.Message}. A template may run at most {TemplateLimits.MaxSteps:N0} Liquid steps and render at most {TemplateLimits.MaxRenderedChars:N0} characters per part.");
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

        return EmailTemplates.TryCompile(new EmailTemplate(email.Subject, email.Html, email.Text), out _, out var error) ? null : error ?? "does not parse";
    }

    private static string? LineProblem(string line)
    {
        if (line.Length is 0 or > LineMessage.MaxTextLength)
        {
            return $"1 to {LineMessage.MaxTextLength} characters";
        }

        return EmailTemplates.TryCompile(new EmailTemplate("", "", line), out _, out var error) ? null : error ?? "does not parse";
    }
}
