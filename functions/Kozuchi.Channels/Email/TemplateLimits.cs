using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Fluid;
using Fluid.Values;

namespace Kozuchi.Channels.Email;

/// <summary>A template that would run too long or render too much: refused when it is saved, a failed send if it gets that far.</summary>
public sealed class TemplateLimitException(string message) : Exception(message);

/// <summary>
/// Bounds on what a message template may cost to render. Templates are data an operator edits, and Liquid has loops
/// and string filters: a loop over a huge range runs for minutes, and 25 doublings of a string make 33 million
/// characters. So rendering stops at <see cref="MaxSteps"/> Liquid statements (Fluid's own counter), and no text may
/// grow past <see cref="MaxRenderedChars"/>: not the output of a part, not a variable built by <c>assign</c> or
/// <c>capture</c>, not the result of <c>append</c>, <c>prepend</c>, <c>replace</c> or <c>join</c> (checked before the
/// string is built, so memory stays bounded).
/// </summary>
public static class TemplateLimits
{
    /// <summary>Liquid statements one part may execute: a cart of a hundred lines takes a few hundred.</summary>
    public const int MaxSteps = 100_000;

    /// <summary>Characters one rendered part (subject, HTML, text, LINE message) or any string in it may have.</summary>
    public const int MaxRenderedChars = 256 * 1024;

    /// <summary>Sets Fluid's step limit and the size checks on <paramref name="options"/>.</summary>
    public static void Apply(TemplateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.MaxSteps = MaxSteps;
        options.Assigned = (name, value, context) => Checked(value, "assign " + name);
        options.Captured = (name, value, context) => Checked(value, "capture " + name);
        Guard(options.Filters, "append", (input, args, context) => Length(input, context) + Length(args.At(0), context));
        Guard(options.Filters, "prepend", (input, args, context) => Length(input, context) + Length(args.At(0), context));
        Guard(options.Filters, "replace", ReplacedLength);
        Guard(options.Filters, "replace_first", (input, args, context) => Length(input, context) + Length(args.At(1), context));
        Guard(options.Filters, "replace_last", (input, args, context) => Length(input, context) + Length(args.At(1), context));
        Guard(options.Filters, "join", JoinedLength);
    }

    /// <summary>Renders one part with the limits; <see cref="TemplateLimitException"/> when it exceeds them.</summary>
    public static string Render(IFluidTemplate template, TemplateContext context, TextEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(template);
        using var writer = new BoundedWriter(MaxRenderedChars);
        try
        {
            // Templates here never await anything: the render completes synchronously, as Fluid's own Render does.
            template.RenderAsync(writer, context, encoder, isolateContext: true).AsTask().GetAwaiter().GetResult();
        }
        catch (InvalidOperationException e) when (e.Message.StartsWith("The maximum ", StringComparison.Ordinal))
        {
            // Fluid's step counter: "The maximum number of statements…", and in loops "The maximum level of recursion…".
            throw new TemplateLimitException(string.Create(CultureInfo.InvariantCulture, $"the template runs more than {MaxSteps:N0} Liquid steps (a loop too long?)"));
        }

        return writer.ToString();
    }

    private static void Guard(FilterCollection filters, string name, Func<FluidValue, FilterArguments, TemplateContext, long> projected)
    {
        if (!filters.TryGetValue(name, out var original))
        {
            return;
        }

        filters.AddFilter(name, (input, arguments, context) =>
        {
            if (projected(input, arguments, context) > MaxRenderedChars)
            {
                throw TooLong(name);
            }

            return original(input, arguments, context);
        });
    }

    private static long Length(FluidValue value, TemplateContext context) => value.ToStringValue().Length;

    /// <summary>At most: every occurrence of the pattern replaced (each character, for an empty pattern).</summary>
    private static long ReplacedLength(FluidValue input, FilterArguments args, TemplateContext context)
    {
        var text = input.ToStringValue();
        var pattern = args.At(0).ToStringValue();
        var replacement = args.At(1).ToStringValue();
        if (replacement.Length <= pattern.Length)
        {
            return text.Length;
        }

        var occurrences = pattern.Length == 0 ? text.Length + 1L : Occurrences(text, pattern);
        return text.Length + (occurrences * (replacement.Length - pattern.Length));
    }

    private static long Occurrences(string text, string pattern)
    {
        long count = 0;
        for (var i = text.IndexOf(pattern, StringComparison.Ordinal); i >= 0; i = text.IndexOf(pattern, i + pattern.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static long JoinedLength(FluidValue input, FilterArguments args, TemplateContext context)
    {
        var separator = args.At(0).ToStringValue().Length;
        long total = 0;
        long count = 0;
        foreach (var item in input.Enumerate(context))
        {
            total += item.ToStringValue().Length + (count++ > 0 ? separator : 0);
            if (total > MaxRenderedChars)
            {
                break;
            }
        }

        return total;
    }

    private static ValueTask<FluidValue> Checked(FluidValue value, string where) =>
        value is StringValue s && s.ToStringValue().Length > MaxRenderedChars ? throw TooLong(where) : new ValueTask<FluidValue>(value);

    private static TemplateLimitException TooLong(string where) =>
        new(string.Create(CultureInfo.InvariantCulture, $"the template builds a text longer than {MaxRenderedChars:N0} characters ({where})"));

    /// <summary>A writer that refuses to grow past its limit instead of holding whatever a template writes.</summary>
    private sealed class BoundedWriter(int limit) : TextWriter
    {
        private readonly StringBuilder _text = new();

        public override Encoding Encoding => Encoding.Unicode;

        public override void Write(char value)
        {
            Ensure(1);
            _text.Append(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            Ensure(count);
            _text.Append(buffer, index, count);
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            Ensure(buffer.Length);
            _text.Append(buffer);
        }

        public override void Write(string? value)
        {
            Ensure(value?.Length ?? 0);
            _text.Append(value);
        }

        public override Task WriteAsync(char value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override Task WriteAsync(string? value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override Task WriteAsync(char[] buffer, int index, int count)
        {
            Write(buffer, index, count);
            return Task.CompletedTask;
        }

        public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return Task.CompletedTask;
        }

        public override string ToString() => _text.ToString();

        private void Ensure(int more)
        {
            if (_text.Length + (long)more > limit)
            {
                throw new TemplateLimitException(string.Create(CultureInfo.InvariantCulture, $"the template renders more than {limit:N0} characters"));
            }
        }
    }
}

/// <summary>
/// Text that goes into a mail header (the subject, a display name, a header value): CR, LF and every other control
/// character become a space, so nothing a template or a customer's data holds can start a header of its own.
/// </summary>
public static class HeaderText
{
    public static string Clean(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.Any(char.IsControl))
        {
            return value;
        }

        var cleaned = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            cleaned.Append(char.IsControl(c) ? ' ' : c);
        }

        return cleaned.ToString();
    }
}
