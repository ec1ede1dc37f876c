using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace NsPS.Native
{
    /// <summary>A user of /etc/passwd: the name, uid and primary gid (what lsns shows and newuidmap and newgidmap check).</summary>
    internal sealed record UserAccount(string Name, uint Uid, uint Gid);

    /// <summary>The one reader of /etc/passwd ("name:x:uid:gid:gecos:home:shell" lines).</summary>
    internal static class Passwd
    {
        public const string PasswdPath = "/etc/passwd";

        /// <summary>The accounts of passwd text, in file order; comments and malformed lines are skipped.</summary>
        public static List<UserAccount> Parse(string text)
        {
            var accounts = new List<UserAccount>();
            foreach (var line in text.Split('\n'))
            {
                if (line.Length == 0 || line[0] == '#') continue;
                var f = line.Split(':');
                if (f.Length < 4 || f[0].Length == 0) continue;
                if (uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid)
                    && uint.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out uint gid))
                    accounts.Add(new UserAccount(f[0], uid, gid));
            }
            return accounts;
        }

        /// <summary>The accounts of /etc/passwd; none when it cannot be read.</summary>
        public static List<UserAccount> Read()
        {
            var bytes = Sys.TryReadAll(Sys.CPath(PasswdPath), out _);
            return bytes is null ? new List<UserAccount>() : Parse(Encoding.UTF8.GetString(bytes));
        }

        /// <summary>The first account of <paramref name="uid"/>, or null.</summary>
        public static UserAccount? Find(IEnumerable<UserAccount> accounts, uint uid)
        {
            foreach (var a in accounts) if (a.Uid == uid) return a;
            return null;
        }

        /// <summary>uid → name; the first name listed for a uid wins.</summary>
        public static Dictionary<uint, string> Names(IEnumerable<UserAccount> accounts)
        {
            var map = new Dictionary<uint, string>();
            foreach (var a in accounts) map.TryAdd(a.Uid, a.Name);
            return map;
        }
    }
}
