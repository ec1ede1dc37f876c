using System;
using System.Globalization;

namespace NsPS.Native
{
    /// <summary>Fields of /proc/PID/stat ("pid (comm) state ppid ..."; comm may hold spaces and parentheses).</summary>
    internal static class ProcStat
    {
        /// <summary>The text of /proc/PID/stat; null when it cannot be read (the process is gone).</summary>
        public static string? Read(int pid)
        {
            var bytes = Sys.TryReadAll(Sys.CPath($"/proc/{pid}/stat"), out _);
            return bytes is null ? null : System.Text.Encoding.UTF8.GetString(bytes);
        }

        /// <summary>Field 2, the command name (comm) between the parentheses; null if malformed.</summary>
        public static string? Name(string text)
        {
            int open = text.IndexOf('('), close = text.LastIndexOf(')');
            return open >= 0 && close > open ? text.Substring(open + 1, close - open - 1) : null;
        }

        /// <summary>Field 3, the state: R, S, D, Z (zombie: ended, not yet reaped), X, T, t, I; null if malformed.</summary>
        public static char? State(string text)
        {
            int close = text.LastIndexOf(')');
            return close >= 0 && close + 2 < text.Length ? text[close + 2] : null;
        }

        /// <summary>Field 22, the start time in clock ticks after boot: with the pid it names one process for good.</summary>
        public static ulong? StartTime(string text)
        {
            int close = text.LastIndexOf(')');
            if (close < 0) return null;
            // After ") " come fields 3 (state) onwards; starttime is field 22, the 20th of them.
            var fields = text.Substring(close + 1).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 20) return null;
            return ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out ulong value) ? value : null;
        }
    }
}
