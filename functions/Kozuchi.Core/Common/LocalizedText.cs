namespace Kozuchi.Core.Common;

/// <summary>A sentence a person reads, in Japanese (the default UI language) and English, as the RFM cell names carry them.</summary>
public sealed record LocalizedText(string Japanese, string English);
