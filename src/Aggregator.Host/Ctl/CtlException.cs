namespace Aggregator.Host.Ctl;

/// <summary>Why a <c>ctl</c> command could not get its answer, in one line for standard error.</summary>
public sealed class CtlException(string message) : Exception(message);
