namespace Aggregator.Host.Ctl;

/// <summary>
/// A plain-text table in kubectl's style: upper-case headings, columns padded to their widest cell, two spaces
/// apart, no borders — readable without a terminal (<c>kubectl exec</c>) and easy to grep or cut.
/// </summary>
public sealed class TextTable(params string[] headings)
{
    private readonly List<string[]> _rows = [];

    /// <summary>Adds a row; missing cells are empty, and line breaks inside a cell become spaces.</summary>
    public TextTable Add(params string?[] cells)
    {
        _rows.Add([.. Enumerable.Range(0, headings.Length).Select(i => i < cells.Length ? (cells[i] ?? string.Empty).ReplaceLineEndings(" ") : string.Empty)]);
        return this;
    }

    /// <summary>Rows added so far.</summary>
    public int Count => _rows.Count;

    public void Write(TextWriter output)
    {
        var widths = headings.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        foreach (var row in _rows.Prepend(headings))
        {
            var cells = row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]));
            output.WriteLine(string.Join("  ", cells).TrimEnd());
        }
    }
}
