using Kozuchi.Core.Checkouts;
using Kozuchi.Storage.Scenarios;

namespace Kozuchi.Storage.Checkouts;

/// <summary>
/// The cart behind a send, for the channel consumer to render <c>cart_items</c> and <c>recovery_url</c>: read at
/// delivery time like contact details, so a cart erased in between is not sent (null: render without a cart, or skip).
/// </summary>
public sealed class CheckoutCarts(EnrollmentStore enrollments, CheckoutStore checkouts)
{
    public async Task<Checkout?> ForEnrollmentAsync(string customerId, string enrollmentId, CancellationToken cancellationToken)
    {
        var stored = await enrollments.GetAsync(customerId, enrollmentId, cancellationToken).ConfigureAwait(false);
        return stored?.State.TriggerCheckoutId is { } id ? (await checkouts.GetAsync(id, cancellationToken).ConfigureAwait(false))?.Checkout : null;
    }
}
