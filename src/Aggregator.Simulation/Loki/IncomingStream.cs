namespace Aggregator.Simulation.Loki;

/// <summary>One stream of a decoded push request, before validation: the labels string exactly as sent and its entries.</summary>
internal sealed record IncomingStream(string Labels, IReadOnlyList<IncomingEntry> Entries);
