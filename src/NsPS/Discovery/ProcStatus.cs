using System;
using System.Globalization;

namespace NsPS.Discovery
{
    /// <summary>The fields NsPS reads from /proc/PID/status (or /proc/PID/task/TID/status).</summary>
    public sealed record ProcStatus(string? Name, int? Tgid, uint? RealUid, uint? EffectiveUid, int[] NsPids)
    {
        /// <summary>Parses the "Key:\tvalue" lines of a status file; absent or malformed fields are null.</summary>
        public static ProcStatus Parse(string text)
        {
            string? name = null;
            int? tgid = null;
            uint? ruid = null, euid = null;
            int[] nspids = Array.Empty<int>();
            foreach (var line in text.Split('\n'))
            {
                int colon = line.IndexOf(':');
                if (colon <= 0) continue;
                var key = line.AsSpan(0, colon);
                var value = line.Substring(colon + 1).Trim('\t', ' ');
                switch (key)
                {
                    case "Name":
                        name = UnescapeName(value);
                        break;
                    case "Tgid":
                        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int t)) tgid = t;
                        break;
                    case "Uid":
                        var ids = value.Split(new[] { '\t', ' ' }, StringSplitOptions.RemoveEmptyEntries);
                        if (ids.Length >= 2
                            && uint.TryParse(ids[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint r)
                            && uint.TryParse(ids[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint e))
                        {
                            ruid = r;
                            euid = e;
                        }
                        break;
                    case "NSpid":
                        var parts = value.Split(new[] { '\t', ' ' }, StringSplitOptions.RemoveEmptyEntries);
                        var list = new int[parts.Length];
                        bool ok = true;
                        for (int i = 0; i < parts.Length && ok; i++)
                            ok = int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out list[i]);
                        if (ok) nspids = list;
                        break;
                }
            }
            return new ProcStatus(name, tgid, ruid, euid, nspids);
        }

        // The kernel escapes '\n' as "\n" and '\\' as "\\" in the Name field.
        private static string UnescapeName(string value) =>
            value.IndexOf('\\') < 0 ? value : value.Replace("\\n", "\n").Replace("\\\\", "\\");
    }
}
