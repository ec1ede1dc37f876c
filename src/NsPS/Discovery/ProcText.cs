using System.Text;
using NsPS.Native;

namespace NsPS.Discovery
{
    /// <summary>Text of small /proc files: cmdline (NUL-separated arguments) and comm.</summary>
    internal static class ProcText
    {
        /// <summary>
        /// The file as one line: NULs between arguments become spaces, trailing NULs (and, with
        /// <paramref name="trimNewline"/>, line breaks) go. Null when it cannot be read (the process ended).
        /// </summary>
        public static string? Read(string file, bool trimNewline)
        {
            var bytes = Sys.TryReadAll(Sys.CPath(file), out _);
            if (bytes is null) return null;
            int end = bytes.Length;
            while (end > 0 && (bytes[end - 1] == 0 || (trimNewline && bytes[end - 1] == (byte)'\n'))) end--;
            for (int i = 0; i < end; i++) if (bytes[i] == 0) bytes[i] = (byte)' ';
            return Encoding.UTF8.GetString(bytes, 0, end);
        }
    }
}
