namespace Aggregator.Simulation.Loki;

/// <summary>Limits and switches of the Loki double; the defaults are those of Loki 3.x.</summary>
public sealed record LokiDoubleOptions
{
    /// <summary>Loki 3's max_line_size (256 KB); null means unlimited, as in Loki 2.x.</summary>
    public int? MaxLineSizeBytes { get; init; } = 256 * 1024;

    /// <summary>max_label_names_per_series: 15 in Loki 3, 30 in Loki 2.x.</summary>
    public int MaxLabelNamesPerSeries { get; init; } = 15;

    /// <summary>max_label_name_length, in bytes.</summary>
    public int MaxLabelNameLength { get; init; } = 1024;

    /// <summary>max_label_value_length, in bytes.</summary>
    public int MaxLabelValueLength { get; init; } = 2048;

    /// <summary>reject_old_samples_max_age: older entries are rejected as "too old".</summary>
    public TimeSpan RejectOldSamplesMaxAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>creation_grace_period: entries further in the future are rejected as "too new".</summary>
    public TimeSpan CreationGracePeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Half of max_chunk_age: entries older than the stream's newest entry minus this are "too far behind".</summary>
    public TimeSpan OutOfOrderWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>auth_enabled: true; a request without X-Scope-OrgID gets 401 "no org id" and data is kept per tenant.</summary>
    public bool RequireTenant { get; init; }

    /// <summary>Loki 3.4+ answers 422 to a push with zero streams; older versions answer 204.</summary>
    public bool RejectEmptyPush { get; init; } = true;

    /// <summary>max_entries_limit_per_query: a query_range with a greater limit gets 400.</summary>
    public int MaxEntriesLimitPerQuery { get; init; } = 5000;

    /// <summary>max_query_length: a query_range spanning longer gets 400 (Loki's default is 30d1h).</summary>
    public TimeSpan MaxQueryLength { get; init; } = TimeSpan.FromHours(721);

    /// <summary>Status answered to every query_range while set (fault injection); null answers normally.</summary>
    public int? QueryFailureStatusCode { get; init; }

    /// <summary>The clock used for "too old" and "too new"; tests may substitute a fake one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// The port to listen on at 127.0.0.1; 0 (the default) takes any free port. A port a stopped double used can be
    /// taken again at once (.NET sets SO_REUSEADDR on Linux listeners, so connections left in TIME_WAIT do not block it).
    /// </summary>
    public int Port { get; init; }

    /// <summary>
    /// True (the default) keeps every entry's line, for queries and <see cref="LokiDouble.EntriesOf"/>; false keeps each
    /// entry's timestamp and line hash only (<see cref="LokiDouble.HashesOf"/>), which is all a benchmark's
    /// exactly-once check needs, so that millions of lines cost this double little.
    /// </summary>
    public bool KeepLines { get; init; } = true;

    /// <summary>How long every push waits before it is processed and answered; see <see cref="LokiDouble.ResponseDelay"/>.</summary>
    public TimeSpan ResponseDelay { get; init; }
}
