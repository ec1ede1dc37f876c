using System.Collections.Generic;
using System.Globalization;

namespace NsPS.Discovery
{
    /// <summary>User names from /etc/passwd ("name:x:uid:gid:gecos:home:shell").</summary>
    public static class Passwd
    {
        /// <summary>Parses passwd text into uid → name; the first name listed for a uid wins.</summary>
        public static Dictionary<uint, string> Parse(string text)
        {
            var map = new Dictionary<uint, string>();
            foreach (var line in text.Split('\n'))
            {
                if (line.Length == 0 || line[0] == '#') continue;
                var f = line.Split(':');
                if (f.Length < 3 || f[0].Length == 0) continue;
                if (uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid) && !map.ContainsKey(uid))
                    map[uid] = f[0];
            }
            return map;
        }
    }
}
