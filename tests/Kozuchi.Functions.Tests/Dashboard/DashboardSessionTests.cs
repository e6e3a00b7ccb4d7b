using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>The browser-test base catches what it promises to: a policy violation, a console error, an error response.</summary>
public sealed class DashboardSessionTests(AzuriteFixture azurite, BrowserFixture browser) : DashboardTest(azurite, browser), IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task An_inline_style_a_console_error_and_an_error_response_are_recorded_as_problems()
    {
        await SignInAsync();
        await Page.RunAndWaitForConsoleMessageAsync(() => Page.EvaluateAsync("""
            () => {
              const d = document.createElement('div');
              d.setAttribute('style', 'color: red');
              document.body.append(d);
            }
            """), new() { Predicate = m => m.Text.StartsWith("CSP violation", StringComparison.Ordinal) });
        await Page.RunAndWaitForConsoleMessageAsync(() => Page.EvaluateAsync("() => console.error('a page bug')"));
        await Page.RunAndWaitForResponseAsync(() => Page.EvaluateAsync("() => fetch('../reports/rfm/customers?r=9&f=9')"), r => r.Url.Contains("rfm/customers", StringComparison.Ordinal));

        var problems = Session.Problems;
        Assert.Contains(problems, p => p.StartsWith("console error: CSP violation: style-src-attr", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("console error: a page bug", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("response 400: GET ", StringComparison.Ordinal));
        Assert.Throws<Xunit.Sdk.TrueException>(Session.AssertClean);

        // Declared, they no longer fail the test (the base checks again when the test ends).
        Session.Expect("CSP violation|Applying inline style|a page bug|response 400|status of 400");
        Session.AssertClean();
    }
}
