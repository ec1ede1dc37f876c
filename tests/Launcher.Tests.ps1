#Requires -Version 7.4
# The native launcher (src/launcher) on its own: static checks, a build with AddressSanitizer and
# UndefinedBehaviorSanitizer driven through its scenarios like the module drives it, the descriptors
# and privileges of what it leaves behind, and a short fuzz run of its message parser.
# Tools: cc (gcc), clang (libFuzzer: libclang-rt-dev), cppcheck, clang-tidy, readelf, setpriv, and for the
# arm64 build qemu-aarch64-static (qemu-user-static), which runs it here.
BeforeDiscovery {
    $script:IsRoot = (id -u) -eq '0'
}

BeforeAll {
    . $PSScriptRoot/common.ps1
    Import-LauncherDriver
    # The launcher's flags, sources and static checks, as build.ps1 uses them.
    Import-Module (Join-Path $RepoRoot 'src/build/Launcher.psm1') -Force

    $script:Src = Join-Path $RepoRoot 'src/launcher'
    $script:FuzzSrc = Join-Path $Src 'fuzz'
    $script:Sources = @(Get-LauncherSource)
    $script:Built = $LauncherPath   # this machine's static build, out/NsPS/runtimes/<rid>/nsps-launcher
    $script:CC = if ($env:CC) { $env:CC } else { 'cc' }

    # Scratch space, readable by the other user of the unprivileged tests; removed in AfterAll.
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('nsps-launcher-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    New-Item -ItemType Directory $Work | Out-Null
    chmod 755 $Work
    $script:Spawned = [Collections.Generic.List[int]]::new()   # every pid made here, reaped in AfterAll

    $script:BuildFlags = @(Get-LauncherFlag)
    $script:CompileFlags = @(Get-LauncherCompileFlag)

    $script:Clang = Find-Tool 'clang', 'clang-14', 'clang-15', 'clang-16'
    $script:ClangTidy = Find-Tool 'clang-tidy', 'clang-tidy-14', 'clang-tidy-15', 'clang-tidy-16'

    # ---- driving the launcher as the module does (PROTOCOL.md "Starting the launcher") ----
    $script:SanitizerLogs = Join-Path $Work 'sanitizer'
    New-Item -ItemType Directory $SanitizerLogs | Out-Null
    $script:StderrCount = 0

    # posix_spawn with the channel on descriptor 3 and standard error into a file of its own.
    function Start-Launcher([string] $Request, [string] $Path, [int] $Channel = -1, [string[]] $Argv = @('nsps-launcher')) {
        $script:StderrCount++
        $stderrPath = Join-Path $SanitizerLogs "stderr-$StderrCount.txt"
        $pair = if ($Channel -lt 0) { [NsPS.Tests.LauncherDriver]::SeqPacketPair() } else { $null }
        $theirs = if ($pair) { $pair.Item2 } else { $Channel }
        $stderr = [IO.File]::Open($stderrPath, 'Create', 'Write', 'ReadWrite')
        $saved = $env:ASAN_OPTIONS, $env:UBSAN_OPTIONS
        try {
            # Reports also go to files: the launcher closes its standard error once a program runs.
            $env:ASAN_OPTIONS = "detect_leaks=1:abort_on_error=1:log_path=$SanitizerLogs/asan"
            $env:UBSAN_OPTIONS = "print_stacktrace=1:halt_on_error=1:log_path=$SanitizerLogs/ubsan"
            $fd = $stderr.SafeFileHandle.DangerousGetHandle().ToInt32()
            $launcherPid = [NsPS.Tests.LauncherDriver]::Spawn($Path, $Argv, $theirs, -1, -1, $fd)
            $Spawned.Add($launcherPid)
        }
        finally {
            $env:ASAN_OPTIONS, $env:UBSAN_OPTIONS = $saved
            $stderr.Dispose()
            if ($pair) { [void][Tmds.Linux.LibC]::close($pair.Item2) }
        }
        $l = [pscustomobject]@{ Pid = $launcherPid; Channel = if ($pair) { $pair.Item1 } else { -1 }; Stderr = $stderrPath
            Reports = [Collections.Generic.List[object]]::new(); Status = $null; Holder = 0 }
        if ($Request) { [NsPS.Tests.LauncherDriver]::Send($l.Channel, $Request) }
        $l
    }

    # The next report (parsed), or $null at end of file.
    function Receive-Report($L, [int] $TimeoutMs = $PatienceMs) {
        $text = [NsPS.Tests.LauncherDriver]::Receive($L.Channel, $TimeoutMs)
        if ($null -eq $text) { return $null }
        $r = $text | ConvertFrom-Json
        $L.Reports.Add($r)
        if ($r.event -eq 'ready') { $L.Holder = $r.pid; $Spawned.Add($r.pid) }
        if ($r.PSObject.Properties['holder']) { $L.Holder = $r.holder; $Spawned.Add($r.holder) }
        $r
    }

    # Waits for the launcher; its status as the module sees it: the exit code, or 128 + the signal.
    function Wait-Launcher($L) {
        if ($null -eq $L.Status) {
            $s = [NsPS.Tests.LauncherDriver]::Wait($L.Pid, $true)
            $L.Status = if ($null -ne [NsPS.Tests.LauncherDriver]::ExitCode($s)) { [NsPS.Tests.LauncherDriver]::ExitCode($s) } else { 128 + [NsPS.Tests.LauncherDriver]::TermSignal($s) }
        }
        $L.Status
    }

    function Close-Channel($L) {
        if ($L.Channel -ge 0) { [void][Tmds.Linux.LibC]::close($L.Channel); $L.Channel = -1 }
    }

    # Waits (polling) for a child of this process to end and reaps it; $true if it ended in time.
    function Wait-Child([int] $ProcessId, [int] $TimeoutMs = $PatienceMs) {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        while ($sw.ElapsedMilliseconds -lt $TimeoutMs) {
            try { if ($null -ne [NsPS.Tests.LauncherDriver]::Wait($ProcessId, $false)) { return $true } }
            catch { return -not (Test-Path "/proc/$ProcessId") }   # not (or no longer) our child
            Start-Sleep -Milliseconds 10
        }
        $false
    }

    # Sends a request, answers a "userns" report, reads up to the last report, waits for the launcher.
    function Invoke-Launcher([string] $Request, [string] $Path = $script:Asan, [scriptblock] $OnUserNs, [string[]] $Argv = @('nsps-launcher')) {
        $l = Start-Launcher $Request $Path -Argv $Argv
        while ($r = Receive-Report $l) {
            if ($r.event -eq 'userns') {
                if ($OnUserNs) { & $OnUserNs $l $r } else { [NsPS.Tests.LauncherDriver]::Send($l.Channel, 'continue') }
                if ($l.Channel -lt 0) { break }
            }
            if ($r.event -in 'ready', 'error', 'exited') { break }   # the last one (a holder keeps the channel open)
        }
        [void](Wait-Launcher $l)
        $l
    }

    # Stops what a launcher left: the holder (closing the channel ends an unnamed one, SIGTERM a named one).
    function Stop-Launcher($L) {
        if (-not $L) { return }
        Close-Channel $L
        if ($L.Holder -gt 0) {
            if (-not (Wait-Child $L.Holder 2000)) {
                [void][Tmds.Linux.LibC]::kill([Tmds.Linux.pid_t][int]$L.Holder, 15)
                if (-not (Wait-Child $L.Holder 3000)) { [void][Tmds.Linux.LibC]::kill([Tmds.Linux.pid_t][int]$L.Holder, 9); [void](Wait-Child $L.Holder) }
            }
        }
        if ($null -eq $L.Status -and -not (Wait-Child $L.Pid 2000)) {
            [void][Tmds.Linux.LibC]::kill([Tmds.Linux.pid_t][int]$L.Pid, 9)
            [void](Wait-Child $L.Pid)
        }
    }

    # Nothing from the sanitizers, in the log files or on standard error.
    function Assert-SanitizerClean($L) {
        $logs = @(Get-ChildItem $SanitizerLogs -Filter '*san.*' | ForEach-Object { "$($_.Name): $(Get-Content -Raw $_.FullName)" })
        $logs | Should -BeNullOrEmpty -Because 'AddressSanitizer and UndefinedBehaviorSanitizer report nothing'
        $stderr = Get-Content -Raw $L.Stderr
        $stderr | Should -Not -Match 'ERROR: AddressSanitizer|runtime error|ERROR: LeakSanitizer|SUMMARY: '
    }

    function Get-Event($L, [string] $Name) { @($L.Reports | Where-Object event -eq $Name) }

    # Runs a build of the message parser's test main (fuzz_request.c with NSPS_PARSE_MAIN) on the seed corpus
    # (through -Runner, an emulator, when given) and checks each verdict against the file's name.
    function Assert-CorpusVerdict([string] $Parser, [string] $Runner) {
        $corpus = @(Get-ChildItem (Join-Path $FuzzSrc 'corpus') -File)
        $corpus.Count | Should -BeGreaterThan 20
        $r = if ($Runner) { Invoke-Tool $Runner (@($Parser) + $corpus.FullName) } else { Invoke-Tool $Parser @($corpus.FullName) }
        $r.ExitCode | Should -Be 0
        $r.Error | Should -BeNullOrEmpty
        $lines = $r.Output -split "`n" | Where-Object { $_ }
        $lines.Count | Should -Be $corpus.Count
        foreach ($line in $lines) {
            $name = Split-Path ($line -split ': ', 2)[0] -Leaf
            $verdict = ($line -split ': ', 2)[1]
            switch -Wildcard ($name) {
                'bad-*' { $verdict | Should -BeLike 'rejected: *' -Because $name }
                'control-*' { $verdict | Should -BeLike 'control *' -Because $name }
                default { $verdict | Should -Be 'ok' -Because $name }
            }
        }
    }

    # /proc/PID/ns names of the request kinds.
    $script:Kinds = [ordered]@{ user = 'user'; cgroup = 'cgroup'; ipc = 'ipc'; uts = 'uts'; net = 'net'; pid = 'pid'; mount = 'mnt'; time = 'time' }
    $script:HostNs = @{}
    foreach ($k in $Kinds.Keys) { $HostNs[$k] = Get-NsInode "/proc/$PID/ns/$($Kinds[$k])" }
    $script:NsDev = [uint64](stat -L -c %d "/proc/$PID/ns/net")

    # The target= lines for the namespaces of a process.
    function Get-TargetLines([int] $ProcessId, [string[]] $Kind) {
        foreach ($k in $Kind) {
            $path = "/proc/$ProcessId/ns/$($Kinds[$k])"
            "target=${k}:${path}:$(stat -L -c %d $path):$(stat -L -c %i $path)"
        }
    }

    # One "Field:value" line of /proc/PID/status.
    function Get-StatusField([string] $ProcessId, [string] $Field) {
        ((Get-Content "/proc/$ProcessId/status" | Where-Object { $_ -like "${Field}:*" }) -split ':\s*', 2)[1].Trim()
    }

    # The open descriptors of a process: number -> what it refers to.
    function Get-Descriptors([int] $ProcessId) {
        $map = [Collections.Generic.SortedDictionary[int, string]]::new()
        Get-ChildItem "/proc/$ProcessId/fd" | ForEach-Object { $map[[int]$_.Name] = $_.LinkTarget }
        , $map
    }

    # The descriptors of a holder once it has settled: it closes its set-up socket after the
    # launcher's acknowledgement, a moment after the launcher ended. Waits for the expected ones
    # (at most $PatienceMs), then returns whatever it has.
    function Get-SettledDescriptors([int] $ProcessId, [int[]] $Expected) {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        do {
            $fds = Get-Descriptors $ProcessId
            if ((@($fds.Keys) -join ',') -eq ($Expected -join ',')) { break }
            Start-Sleep -Milliseconds 10
        } while ($sw.ElapsedMilliseconds -lt $PatienceMs)
        , $fds
    }
}

AfterAll {
    foreach ($p in $Spawned) {
        # Only what this file made and did not reap yet: launchers and holders are children of this process.
        $ppid = Get-Content "/proc/$p/status" -ErrorAction Ignore | Where-Object { $_ -like 'PPid:*' }
        if ($ppid -and [int](($ppid -split ':')[1].Trim()) -eq $PID) {
            [void][Tmds.Linux.LibC]::kill([Tmds.Linux.pid_t][int]$p, 9)
            try { [void][NsPS.Tests.LauncherDriver]::Wait($p, $true) } catch { }
        }
    }
    if ($Work -and (Test-Path $Work)) { Remove-Item $Work -Recurse -Force }
}

Describe 'nsps-launcher' {
    Context 'static checks' {
        It 'is built by build.ps1 with warnings as errors and the hardening flags' {
            foreach ($f in '-Wall', '-Wextra', '-Werror', '-Wformat=2', '-Wshadow', '-Wconversion', '-fstack-protector-strong', '-fPIE', '-pie') {
                $BuildFlags | Should -Contain $f
            }
            ($BuildFlags -match '^-D_FORTIFY_SOURCE=[23]$') | Should -Not -BeNullOrEmpty
            ($BuildFlags -match '^-Wl,.*relro') | Should -Not -BeNullOrEmpty
            ($BuildFlags -match '^-Wl,.*\bnow\b') | Should -Not -BeNullOrEmpty
        }

        It 'compiles with those flags under <Name> without a single warning' -ForEach @(
            @{ Name = 'cc (gcc)'; Compiler = 'cc' }
            @{ Name = 'clang'; Compiler = 'clang' }
        ) {
            $exe = Join-Path $Work "launcher-$Compiler"
            $Compiler = if ($Compiler -eq 'cc') { $CC } else { $Clang }
            if (-not $Compiler) {
                if ($env:CI) { throw 'clang is missing: .ci/run must install clang-14.' }
                Set-ItResult -Skipped -Because 'clang is not installed (CI installs clang-14)'
                return
            }
            $r = Invoke-Tool $Compiler (@($BuildFlags) + @('-o', $exe) + $Sources)
            "$($r.Output)$($r.Error)" | Should -BeNullOrEmpty
            $r.ExitCode | Should -Be 0
            Test-Path $exe | Should -BeTrue
            # Against glibc, _FORTIFY_SOURCE turns the calls it can check into their checking forms (musl,
            # which the shipped static builds use, has none: there the stack protector and these builds hold).
            if ($Name -like 'cc*') { (readelf --dyn-syms -W $exe) -join "`n" | Should -Match '__\w+_chk@' }
        }

        It 'the same flags turn a warning into a failed build (the check can fail)' {
            $bad = Join-Path $Work 'warning.c'
            Set-Content $bad "int main(void)`n{`n`tint unused;`n`treturn 0;`n}"
            $r = Invoke-Tool $CC (@($BuildFlags) + @('-o', (Join-Path $Work 'warning'), $bad))
            $r.ExitCode | Should -Not -Be 0
            $r.Error | Should -Match 'unused'
        }

        It 'the <RuntimeId> build is a static PIE for <Machine>: no interpreter, no library, full RELRO, a non-executable stack, stack protector, not set-user-id' -ForEach @(
            @{ RuntimeId = 'linux-x64'; Machine = 'Advanced Micro Devices X86-64' }
            @{ RuntimeId = 'linux-arm64'; Machine = 'AArch64' }
        ) {
            $file = Join-Path $RepoRoot "out/NsPS/runtimes/$RuntimeId/nsps-launcher"
            Test-Path $file | Should -BeTrue
            ([IO.File]::GetUnixFileMode($file) -band ([IO.UnixFileMode]::SetUser -bor [IO.UnixFileMode]::SetGroup)) | Should -Be 0
            $header = (readelf -hW $file) -join "`n"
            $header | Should -Match 'Type:\s+DYN'
            $header | Should -Match "Machine:\s+$([regex]::Escape($Machine))"
            $segments = (readelf -lW $file) -join "`n"
            $segments | Should -Not -Match '\bINTERP\b'
            $segments | Should -Match 'GNU_RELRO'
            $segments | Should -Match 'GNU_STACK\s+(\S+\s+){5}RW\s'
            $dynamic = (readelf -dW $file) -join "`n"
            $dynamic | Should -Not -Match '\(NEEDED\)'
            $dynamic | Should -Match 'BIND_NOW|FLAGS_1\)\s+Flags:.*\bNOW\b'
            $dynamic | Should -Match 'FLAGS_1\)\s+Flags:.*\bPIE\b'
            (readelf --syms -W $file) -join "`n" | Should -Match '\s__stack_chk_fail\b'
        }

        It 'a dynamic build fails these checks (the check can fail)' {
            $exe = Join-Path $Work 'launcher-dynamic'
            (Invoke-Tool $CC (@($BuildFlags) + @('-o', $exe) + $Sources)).ExitCode | Should -Be 0
            (readelf -lW $exe) -join "`n" | Should -Match '\bINTERP\b'
            (readelf -dW $exe) -join "`n" | Should -Match '\(NEEDED\)'
        }

        It 'cppcheck finds nothing in the launcher, its fuzz harness and its test driver' {
            $r = Invoke-LauncherCppcheck
            $r.Error | Should -BeNullOrEmpty
            $r.ExitCode | Should -Be 0
        }

        It 'cppcheck, as run here, fails on a real defect (the check can fail)' {
            $bad = Join-Path $Work 'defect.c'
            Set-Content $bad "int f(void)`n{`n`tchar b[4];`n`tb[4] = 0;`n`treturn b[0];`n}"
            $r = Invoke-LauncherCppcheck $bad
            $r.ExitCode | Should -Be 1
            $r.Error | Should -Match 'arrayIndexOutOfBounds'
        }

        It 'clang-tidy (src/launcher/.clang-tidy) finds nothing' {
            if (-not $ClangTidy) { throw 'clang-tidy is missing: .ci/run must install clang-tidy.' }
            Test-Path (Join-Path $Src '.clang-tidy') | Should -BeTrue
            $r = Invoke-LauncherClangTidy
            $r.Output | Should -BeNullOrEmpty
            $r.Error | Should -Not -Match 'warning:|error:'
            $r.ExitCode | Should -Be 0
        }

        It 'clang-tidy with that configuration fails on a real defect (the check can fail)' {
            if (-not $ClangTidy) { throw 'clang-tidy is missing: .ci/run must install clang-tidy.' }
            $bad = Join-Path $Work 'tidy-defect.c'
            Set-Content $bad "#include <stdio.h>`nint f(FILE *f)`n{`n`tint *p = 0;`n`tfclose(f);`n`treturn *p;`n}"
            $r = Invoke-LauncherClangTidy $bad
            $r.ExitCode | Should -Not -Be 0
            $r.Output | Should -Match 'clang-analyzer-core.NullDereference'
            $r.Output | Should -Match 'cert-err33-c'
        }
    }

    Context 'under AddressSanitizer and UndefinedBehaviorSanitizer' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root' {
        BeforeAll {
            $script:Asan = Join-Path $Work 'asan/nsps-launcher'
            New-Item -ItemType Directory (Split-Path $Asan) | Out-Null
            $flags = @($CompileFlags | Where-Object { $_ -notlike '-D_FORTIFY_SOURCE*' -and $_ -notlike '-O*' }) +
                @('-O1', '-g', '-fno-omit-frame-pointer', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-Werror')
            $r = Invoke-Tool $CC ($flags + @('-o', $Asan) + $Sources)
            if ($r.ExitCode) { throw "The sanitizer build failed: $($r.Error)" }
        }
        AfterEach {
            # A holder or program left by a failed assertion goes now.
            if ($script:L) { Stop-Launcher $script:L; $script:L = $null }
        }

        It 'is instrumented, and a planted overflow is caught by this very plumbing (the check can fail)' {
            (readelf --syms -W $Asan) -join "`n" | Should -Match '__asan_init'
            (readelf --syms -W $Asan) -join "`n" | Should -Match '__ubsan_handle'
            $canarySource = Join-Path $Work 'canary.c'
            Set-Content $canarySource "#include <stdlib.h>`nint main(int argc, char **argv)`n{`n`tchar *p = malloc(4);`n`tp[argc + 3] = argv[0][0];`n`treturn p[0];`n}"
            $canary = Join-Path $Work 'asan/canary'
            (Invoke-Tool $CC '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-o', $canary, $canarySource).ExitCode | Should -Be 0
            $script:L = Start-Launcher '' $canary
            Wait-Launcher $L | Should -Not -Be 0
            $logs = Get-ChildItem $SanitizerLogs -Filter 'asan.*'
            ($logs | Get-Content -Raw) -join '' | Should -Match 'ERROR: AddressSanitizer: heap-buffer-overflow'
            $logs | Remove-Item
        }

        It 'creates a <Kind> namespace: ready, new ids where asked, the holder stays until the channel closes' -ForEach @(
            @{ Kind = 'user' }, @{ Kind = 'cgroup' }, @{ Kind = 'ipc' }, @{ Kind = 'uts' },
            @{ Kind = 'net' }, @{ Kind = 'pid' }, @{ Kind = 'mount' }, @{ Kind = 'time' }
        ) {
            $script:L = Invoke-Launcher "mode=create`ntypes=$Kind`n"
            $L.Status | Should -Be 0
            $ready = Get-Event $L 'ready'
            $ready.Count | Should -Be 1
            $ready[0].dev | Should -Be $NsDev
            foreach ($k in $Kinds.Keys) {
                $ready[0].ns.$k | Should -Be (Get-NsInode "/proc/$($L.Holder)/ns/$($Kinds[$k])")
                if ($k -eq $Kind) { $ready[0].ns.$k | Should -Not -Be $HostNs[$k] } else { $ready[0].ns.$k | Should -Be $HostNs[$k] }
            }
            (Get-Content "/proc/$($L.Holder)/comm") | Should -Be 'nsps-holder'
            Close-Channel $L
            Wait-Child $L.Holder | Should -BeTrue -Because 'an unnamed holder ends when the channel closes'
            $L.Holder = 0
            Assert-SanitizerClean $L
        }

        It 'creates all 8 kinds with hostname, domain name, a fresh /proc, propagation and time offsets' {
            $script:L = Invoke-Launcher ("mode=create`ntypes=user,cgroup,ipc,uts,net,pid,mount,time`nhostname=nsps-asan`ndomainname=lab.example`n" +
                "propagation=slave`nmountproc=1`nmonotonic=-1500000000`nboottime=86400000000001`n")
            $L.Status | Should -Be 0
            $ready = (Get-Event $L 'ready')[0]
            foreach ($k in $Kinds.Keys) { $ready.ns.$k | Should -Not -Be $HostNs[$k] }
            $h = $L.Holder
            (nsenter -t $h -u hostname) | Should -Be 'nsps-asan'
            (nsenter -t $h -u domainname) | Should -Be 'lab.example'
            (Get-Content "/proc/$h/timens_offsets") -join ' ' | Should -Match 'monotonic\s+-2\s+500000000.*boottime\s+86400\s+1\b'
            (nsenter -t $h -m -p cat /proc/1/comm) | Should -Be 'nsps-holder'
            Assert-SanitizerClean $L
        }

        It 'waitmap + continue: reports userns with its own pid, lets the map be written, then ready' {
            $script:L = Invoke-Launcher "mode=create`ntypes=user,net`nwaitmap=1`n" -OnUserNs {
                param($l, $r)
                $r.pid | Should -Be $l.Pid
                Set-Content "/proc/$($r.pid)/uid_map" '0 100000 65536' -NoNewline
                Set-Content "/proc/$($r.pid)/gid_map" '0 100000 65536' -NoNewline
                [NsPS.Tests.LauncherDriver]::Send($l.Channel, "continue`n")
            }
            $L.Status | Should -Be 0
            (Get-Event $L 'userns').Count | Should -Be 1
            (Get-Content "/proc/$($L.Holder)/uid_map").Trim() -replace '\s+', ' ' | Should -Be '0 100000 65536'
            Assert-SanitizerClean $L
        }

        It 'waitmap + abort: error step abort, ECANCELED, status 66, nothing left' {
            $script:L = Invoke-Launcher "mode=create`ntypes=user,net`nwaitmap=1`n" -OnUserNs { param($l) [NsPS.Tests.LauncherDriver]::Send($l.Channel, 'abort') }
            $L.Status | Should -Be 66
            $e = Get-Event $L 'error'
            $e.Count | Should -Be 1
            $e[0].step | Should -Be 'abort'
            $e[0].errno | Should -Be 125
            $L.Holder | Should -Be 0
            Assert-SanitizerClean $L
        }

        It 'waitmap + end of file: status 66 without a report; + a wrong word: status 64' {
            $script:L = Invoke-Launcher "mode=create`ntypes=user`nwaitmap=1`n" -OnUserNs { param($l) Close-Channel $l }
            $L.Status | Should -Be 66
            (Get-Event $L 'error').Count | Should -Be 0
            Assert-SanitizerClean $L
            $script:L = Invoke-Launcher "mode=create`ntypes=user`nwaitmap=1`n" -OnUserNs { param($l) [NsPS.Tests.LauncherDriver]::Send($l.Channel, 'continue please') }
            $L.Status | Should -Be 64
            (Get-Event $L 'error')[0].step | Should -Be 'request'
            Assert-SanitizerClean $L
        }

        It 'named: the holder outlives the channel, keeps no channel, and ends on SIGTERM' {
            $script:L = Invoke-Launcher "mode=create`ntypes=net,uts`nnamed=1`n"
            $L.Status | Should -Be 0
            $h = $L.Holder
            Close-Channel $L
            # Settled: it took the acknowledgement and closed its end of the channel, and holds on.
            (Get-SettledDescriptors $h 0, 1, 2, 4).Keys | Should -Be @(0, 1, 2, 4)
            Test-Path "/proc/$h" | Should -BeTrue -Because 'a named holder outlives the channel'
            (Get-Content "/proc/$h/stat") | Should -Not -Match '^\d+ \(.*\) Z'
            [void][Tmds.Linux.LibC]::kill([Tmds.Linux.pid_t][int]$h, 15)
            Wait-Child $h | Should -BeTrue
            $L.Holder = 0
            Assert-SanitizerClean $L
        }

        It 'rejects a bad request (<Why>) with EINVAL, status <Status>' -ForEach @(
            @{ Why = 'unknown key'; Request = "mode=create`ntypes=net`nfoo=1`n"; Status = 64; Step = 'request'; Message = 'line 3: foo: unknown key' }
            @{ Why = 'bad number'; Request = "mode=create`ntypes=time`nmonotonic=01`n"; Status = 64; Step = 'request'; Message = 'line 3: monotonic: expected signed decimal nanoseconds' }
            @{ Why = 'hostname over 255 bytes'; Request = "mode=create`ntypes=uts`nhostname=$('h' * 256)`n"; Status = 64; Step = 'request'; Message = 'line 3: hostname: longer than 255 bytes' }
            @{ Why = 'hostname over the kernel''s 64 bytes'; Request = "mode=create`ntypes=uts`nhostname=$('h' * 65)`n"; Status = 74; Step = 'sethostname'; Message = $null }
            @{ Why = 'enter without a program'; Request = "mode=enter`ntarget=net:/proc/self/ns/net:4:4`n"; Status = 64; Step = 'request'; Message = 'mode=enter needs at least one arg=' }
        ) {
            $script:L = Invoke-Launcher $Request
            $L.Status | Should -Be $Status
            $e = Get-Event $L 'error'
            $e.Count | Should -Be 1
            $e[0].step | Should -Be $Step
            $e[0].errno | Should -Be 22
            if ($Message) { $e[0].message | Should -Be $Message } else { $e[0].PSObject.Properties['message'] | Should -BeNullOrEmpty }
            $L.Holder | Should -Be 0
            Assert-SanitizerClean $L
        }

        It 'ends with status 65 and no word when descriptor 3 is not a SEQPACKET socket' {
            $pipe = [NsPS.Tests.LauncherDriver]::Pipe()
            try { $script:L = Start-Launcher '' $Asan -Channel $pipe.Item1 }
            finally { [void][Tmds.Linux.LibC]::close($pipe.Item1); [void][Tmds.Linux.LibC]::close($pipe.Item2) }
            Wait-Launcher $L | Should -Be 65
            Assert-SanitizerClean $L
        }

        It 'enter runs <Program>: <Expect>' -ForEach @(
            @{ Program = '/bin/true'; Expect = 'exited 0'; Status = 0; Step = $null; Errno = 0 }
            @{ Program = '/bin/false'; Expect = 'exited 1'; Status = 1; Step = $null; Errno = 0 }
            @{ Program = '/nonexistent/program'; Expect = 'exec ENOENT, 127'; Status = 127; Step = 'exec'; Errno = 2 }
            @{ Program = 'not-executable'; Expect = 'exec EACCES, 126'; Status = 126; Step = 'exec'; Errno = 13 }
        ) {
            if ($Program -eq 'not-executable') {
                $Program = Join-Path $Work 'not-executable'
                Set-Content $Program "#!/bin/sh`nexit 0"
                chmod 644 $Program
            }
            $req = "mode=enter`n$((Get-TargetLines $PID net, uts) -join "`n")`narg=$Program`n"
            $script:L = Invoke-Launcher $req
            $L.Status | Should -Be $Status
            if ($Step) {
                (Get-Event $L 'started').Count | Should -Be 0
                $e = Get-Event $L 'error'
                $e[0].step | Should -Be $Step
                $e[0].errno | Should -Be $Errno
            }
            else {
                (Get-Event $L 'started').Count | Should -Be 1
                (Get-Event $L 'exited')[0].code | Should -Be $Status
            }
            Assert-SanitizerClean $L
        }

        It 'enter with nointr=<NoIntr> starts the program with SIGINT <Expect>' -ForEach @(
            @{ NoIntr = 1; Expect = 'ignored'; Status = 2 }
            @{ NoIntr = 0; Expect = 'at its default'; Status = 0 }
        ) {
            # The program exits with SigIgn's SIGINT bit (2) of what it runs, as the kernel shows it.
            $probe = 'exit $(( 0x$(sed -n "s/^SigIgn:[[:space:]]*//p" /proc/self/status) & 2 ))'
            $req = "mode=enter`n$((Get-TargetLines $PID net) -join "`n")`nnointr=$NoIntr`narg=/bin/sh`narg=-c`narg=$probe`n"
            $script:L = Invoke-Launcher $req
            (Get-Event $L 'exited')[0].code | Should -Be $Status
            Assert-SanitizerClean $L
        }

        It 'enter refuses a stale target: verify, ESTALE, status 82, nothing runs' {
            $path = "/proc/$PID/ns/net"
            $script:L = Invoke-Launcher "mode=enter`ntarget=net:${path}:${NsDev}:$($HostNs.net + 1)`narg=/bin/touch`narg=$Work/ran`n"
            $L.Status | Should -Be 82
            $e = Get-Event $L 'error'
            $e[0].step | Should -Be 'verify'
            $e[0].errno | Should -Be 116
            $e[0].ns | Should -Be 'net'
            Test-Path "$Work/ran" | Should -BeFalse
            Assert-SanitizerClean $L
        }

        It 'enter joins all 8 namespaces of a set it made, with uid, gid, cwd, env and a PATH lookup' {
            $set = Invoke-Launcher "mode=create`ntypes=user,cgroup,ipc,uts,net,pid,mount,time`nhostname=inside`nwaitmap=1`n" -OnUserNs {
                param($l, $r)
                Set-Content "/proc/$($r.pid)/uid_map" '0 0 4294967295' -NoNewline
                Set-Content "/proc/$($r.pid)/gid_map" '0 0 4294967295' -NoNewline
                [NsPS.Tests.LauncherDriver]::Send($l.Channel, 'continue')
            }
            try {
                $set.Status | Should -Be 0
                $out = Join-Path $Work 'inside.txt'
                $req = "mode=enter`n$((Get-TargetLines $set.Holder $Kinds.Keys) -join "`n")`nuid=0`ngid=0`ncwd=/tmp`nenv=PATH=/usr/bin:/bin`n" +
                    "arg=sh`narg=-c`narg=echo `$`$ `$(hostname) `$(pwd) > $out"
                $script:L = Invoke-Launcher $req
                $L.Status | Should -Be 0
                (Get-Event $L 'exited')[0].code | Should -Be 0
                # The mount namespace is a copy of ours, so the file is seen here: pid 2 in the new pid namespace.
                (Get-Content $out) | Should -Be '2 inside /tmp'
                Assert-SanitizerClean $L
            }
            finally { Stop-Launcher $set }
            Assert-SanitizerClean $set
        }

        It 'enter passes SIGTERM on to the program (exit 143) and kills it when the channel closes (66)' {
            $req = "mode=enter`n$((Get-TargetLines $PID net) -join "`n")`npgroup=1`narg=/bin/sleep`narg=30`n"
            $script:L = Start-Launcher $req $Asan
            $started = Receive-Report $L
            $started.event | Should -Be 'started'
            [void][Tmds.Linux.LibC]::kill([Tmds.Linux.pid_t][int]$L.Pid, 15)
            $exited = Receive-Report $L
            $exited.event | Should -Be 'exited'
            $exited.signal | Should -Be 15
            Wait-Launcher $L | Should -Be 143
            Assert-SanitizerClean $L

            $script:L = Start-Launcher $req $Asan
            $started = Receive-Report $L
            Close-Channel $L
            Wait-Launcher $L | Should -Be 66
            Test-Path "/proc/$($started.pid)" | Should -BeFalse -Because 'the launcher killed and reaped the program'
            Assert-SanitizerClean $L
        }
    }

    Context 'descriptors and privileges' -Skip:(-not $IsRoot) -Tag 'SkipBecause: needs root to run a plain user with setpriv' {
        BeforeAll {
            # The test driver: a stand-in for the module that can run as another user (src/launcher/fuzz/drive_launcher.c).
            $script:Drive = Join-Path $Work 'drive_launcher'
            $r = Invoke-Tool $CC (@($CompileFlags) + @('-Werror', '-o', $Drive, (Join-Path $FuzzSrc 'drive_launcher.c')))
            if ($r.ExitCode) { throw "The test driver did not build: $($r.Error)" }
            chmod 755 $Drive

            # The launcher as a plain user sees it, and a set-user-id root copy of it and of id(1), in a
            # folder only root and nogroup can enter, on a file system that honours set-user-id.
            $script:Suid = Join-Path $Work 'suid'
            New-Item -ItemType Directory $Suid | Out-Null
            chgrp 65534 $Suid
            chmod 750 $Suid
            Copy-Item $Built (Join-Path $Suid 'nsps-launcher')
            Copy-Item $Built (Join-Path $Suid 'nsps-launcher-suid')
            Copy-Item (Get-Command id -CommandType Application | Select-Object -First 1).Source (Join-Path $Suid 'id-suid')
            chmod 755 (Join-Path $Suid 'nsps-launcher')
            chmod 4755 (Join-Path $Suid 'nsps-launcher-suid') (Join-Path $Suid 'id-suid')

            function Invoke-Drive([string[]] $Options, [string] $Request, [string] $Launcher = $Built, [string[]] $As = @()) {
                $cmd = @(if ($As) { 'setpriv'; $As; '--'; $Drive } else { $Drive })
                $r = Invoke-Tool $cmd[0] (@($cmd | Select-Object -Skip 1) + $Options + @($Launcher, $Request))
                if ($r.ExitCode) { throw "drive_launcher failed ($($r.ExitCode)): $($r.Error)" }
                $lines = @($r.Output -split "`n" | Where-Object { $_ })
                $caller = @{}; $status = @{}
                foreach ($line in $lines) {
                    if ($line -match '^caller (\w+):\s*(.*)$') { $caller[$Matches[1]] = $Matches[2].Trim() }
                    elseif ($line -match '^status (\w+):\s*(.*)$') { $status[$Matches[1]] = $Matches[2].Trim() }
                }
                [pscustomobject]@{
                    Lines   = $lines
                    Reports = @($lines | Where-Object { $_ -like 'report *' } | ForEach-Object { $_.Substring(7) | ConvertFrom-Json })
                    Fds     = @($lines | Where-Object { $_ -like 'fd *' } | ForEach-Object { $_.Substring(3) })
                    Exit    = ($lines | Where-Object { $_ -match '^(exit|signal) ' }) -join ';'
                    Caller  = $caller
                    Status  = $status
                    Error   = $r.Error
                }
            }
            $script:Nobody = @('--reuid=65534', '--regid=65534', '--clear-groups')
            $script:MyCapEff = Get-StatusField $PID 'CapEff'
        }
        AfterEach {
            if ($script:L) { Stop-Launcher $script:L; $script:L = $null }
        }

        It 'a holder keeps 0, 1, 2, the channel and its signalfd, and none of the descriptors the caller leaked' {
            # Two descriptors of this process, made inheritable: a plain spawn passes them on...
            $files = @([IO.File]::OpenRead('/etc/hostname'), [IO.File]::OpenRead('/etc/passwd'))
            try {
                $leaked = @($files | ForEach-Object { $_.SafeFileHandle.DangerousGetHandle().ToInt32() })
                foreach ($fd in $leaked) { [Tmds.Linux.LibC]::fcntl($fd, 2, 0) | Should -Be 0 }   # F_SETFD: no FD_CLOEXEC
                $probe = Start-Launcher '' '/bin/sleep' -Argv 'sleep', '30'
                try {
                    Wait-Until { (Get-Content "/proc/$($probe.Pid)/comm" -ErrorAction Ignore) -eq 'sleep' } | Out-Null
                    foreach ($fd in $leaked) { (Get-Descriptors $probe.Pid).Keys | Should -Contain $fd -Because 'the caller really leaks it' }
                }
                finally {
                    [void][Tmds.Linux.LibC]::kill([Tmds.Linux.pid_t][int]$probe.Pid, 9)
                    [void](Wait-Launcher $probe)
                    Close-Channel $probe
                }
                # ...the launcher does not keep them, nor passes them to the holder.
                $script:L = Invoke-Launcher "mode=create`ntypes=user,cgroup,ipc,uts,net,pid,mount,time`nmountproc=1`n" -Path $Built
            }
            finally { $files | ForEach-Object Dispose }
            $L.Status | Should -Be 0
            $fds = Get-SettledDescriptors $L.Holder 0, 1, 2, 3, 4
            $fds.Keys | Should -Be @(0, 1, 2, 3, 4)
            $fds[0] | Should -Be '/dev/null'
            $fds[1] | Should -Be '/dev/null'
            $fds[3] | Should -Match '^socket:\['
            $fds[4] | Should -Be 'anon_inode:[signalfd]'
        }

        It 'a program it runs has only 0, 1 and 2, even when the caller leaks descriptors or passes one in the request' {
            $r = Invoke-Drive '-x', '-r', '-i' "mode=enter`n$((Get-TargetLines $PID net) -join "`n")`narg=/bin/sleep`narg=30"
            $r.Reports[0].event | Should -Be 'started'
            $r.Fds.Count | Should -Be 3
            ($r.Fds | ForEach-Object { ($_ -split ' ')[0] }) | Should -Be @('0', '1', '2')
            $r.Exit | Should -Be 'exit 66'
        }

        It 'a holder has none of them either (driver: extra descriptors 7 and 8, SCM_RIGHTS)' {
            $r = Invoke-Drive '-x', '-r', '-i' "mode=create`ntypes=net,uts"
            $r.Exit | Should -Be 'exit 0'
            ($r.Fds | ForEach-Object { ($_ -split ' ')[0] }) | Should -Be @('0', '1', '2', '3', '4')
            $r.Fds[4] | Should -Be '4 anon_inode:[signalfd]'
            $r.Lines | Should -Contain 'holder-exit 0'
        }

        It 'started with 0, 1 and 2 closed, it puts /dev/null there and still reports the program''s end' {
            $r = Invoke-Drive '-z' "mode=enter`n$((Get-TargetLines $PID net) -join "`n")`narg=/bin/true"
            $r.Reports.event | Should -Be @('started', 'exited')
            $r.Exit | Should -Be 'exit 0'
            $r = Invoke-Drive '-z', '-i' "mode=create`ntypes=net"
            $r.Exit | Should -Be 'exit 0'
            ($r.Fds | Where-Object { $_ -match '^[012] ' }) | Should -Be @('0 /dev/null', '1 /dev/null', '2 /dev/null')
        }

        It 'the holder and the program run with NoNewPrivs and the caller''s capabilities, not more' {
            $script:L = Invoke-Launcher "mode=create`ntypes=cgroup,ipc,uts,net,pid,mount,time`n" -Path $Built
            $L.Status | Should -Be 0
            Get-StatusField $L.Holder 'NoNewPrivs' | Should -Be '1'
            Get-StatusField $L.Holder 'CapEff' | Should -Be $MyCapEff
            Get-StatusField $L.Holder 'CapBnd' | Should -Be (Get-StatusField $PID 'CapBnd')
            Stop-Launcher $L
            $script:L = $null

            $r = Invoke-Drive '-i' "mode=enter`n$((Get-TargetLines $PID net) -join "`n")`narg=/bin/sleep`narg=30"
            $r.Status.NoNewPrivs | Should -Be '1'
            $r.Status.CapEff | Should -Be $r.Caller.CapEff
        }

        It 'a caller without CAP_NET_ADMIN gets a holder without it' {
            $r = Invoke-Drive '-i' "mode=create`ntypes=net,uts,ipc" -As '--bounding-set=-net_admin'
            $r.Exit | Should -Be 'exit 0'
            $r.Caller.CapEff | Should -Not -Be $MyCapEff -Because 'the caller really has fewer capabilities'
            $r.Status.CapEff | Should -Be $r.Caller.CapEff
            ([Convert]::ToUInt64($r.Status.CapEff, 16) -band (1 -shl 12)) | Should -Be 0
            $r.Status.NoNewPrivs | Should -Be '1'
        }

        It 'a plain user creates all 8 kinds in a user namespace of its own, and nothing outside one' {
            $r = Invoke-Drive '-i' "mode=create`ntypes=user,cgroup,ipc,uts,net,pid,mount,time`nhostname=rootless" -Launcher (Join-Path $Suid 'nsps-launcher') -As $Nobody
            $r.Error | Should -BeNullOrEmpty
            $r.Exit | Should -Be 'exit 0'
            $r.Reports[0].event | Should -Be 'ready'
            $r.Status.NoNewPrivs | Should -Be '1'
            $r.Lines | Should -Contain 'holder-exit 0'
            $r = Invoke-Drive @() "mode=create`ntypes=net" -Launcher (Join-Path $Suid 'nsps-launcher') -As $Nobody
            $r.Reports[0].step | Should -Be 'unshare'
            $r.Reports[0].errno | Should -Be 1
            $r.Exit | Should -Be 'exit 72'
        }

        It 'a set-user-id program run by it as a plain user gains nothing' {
            $id = Join-Path $Suid 'id-suid'
            (setpriv @Nobody -- $id) | Should -Match 'euid=0' -Because 'outside the launcher the set-user-id bit works here'
            # The user namespace everything here is in: the launcher skips joining its own.
            $own = "target=user:/proc/self/ns/user:${NsDev}:$($HostNs.user)"
            $r = Invoke-Drive @() "mode=enter`n$own`narg=$id" -Launcher (Join-Path $Suid 'nsps-launcher') -As $Nobody
            $r.Exit | Should -Be 'exit 0'
            $r.Lines | Should -Contain 'uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)'
            ($r.Lines -match 'euid=') | Should -BeNullOrEmpty
        }

        It 'refuses to run set-user-id: error step init, EPERM, status 70, nothing made' {
            $r = Invoke-Drive @() "mode=create`ntypes=net" -Launcher (Join-Path $Suid 'nsps-launcher-suid') -As $Nobody
            ($r.Lines -like 'send-error*') | Should -BeNullOrEmpty -Because 'it refuses after reading the request'
            $r.Reports.Count | Should -Be 1
            $r.Reports[0].event | Should -Be 'error'
            $r.Reports[0].step | Should -Be 'init'
            $r.Reports[0].errno | Should -Be 1
            $r.Exit | Should -Be 'exit 70'
            ($r.Lines -like 'holder-*') | Should -BeNullOrEmpty
        }
    }

    Context 'the message parser' {
        It 'parses the seed corpus as its file names say' {
            $parse = Join-Path $Work 'parse'
            $r = Invoke-Tool $CC '-std=c11', '-O1', '-g', '-Wall', '-Wextra', '-Werror', '-D_GNU_SOURCE', '-DNSPS_PARSE_MAIN',
                '-fsanitize=address,undefined', '-fno-sanitize-recover=all', "-I$Src", '-o', $parse, (Join-Path $FuzzSrc 'fuzz_request.c'), (Join-Path $Src 'request.c')
            $r.Error | Should -BeNullOrEmpty
            Assert-CorpusVerdict $parse
        }

        It 'survives a libFuzzer run (address, undefined) from the seed corpus' {
            if (-not $Clang) {
                if ($env:CI) { throw 'clang is missing: .ci/run must install clang-14 and libclang-rt-14-dev.' }
                Set-ItResult -Skipped -Because 'clang is not installed here (CI installs clang-14 and libclang-rt-14-dev)'
                return
            }
            $dir = Join-Path $Work 'fuzz'
            New-Item -ItemType Directory $dir, "$dir/corpus", "$dir/artifacts" | Out-Null
            $fuzzer = Join-Path $dir 'fuzz_request'
            $r = Invoke-Tool $Clang (@(Get-LauncherFuzzFlag) + @('-o', $fuzzer, (Join-Path $FuzzSrc 'fuzz_request.c'), (Join-Path $Src 'request.c')))
            if ($r.ExitCode) { throw "The fuzz harness did not build (libFuzzer comes with libclang-rt-14-dev): $($r.Error)" }
            # New inputs go to the scratch corpus (first folder); the seeds in the repository are only read.
            $r = Invoke-Tool $fuzzer "-dict=$(Join-Path $FuzzSrc 'request.dict')", '-max_total_time=20', '-runs=5000000', '-max_len=8192',
                '-timeout=10', '-rss_limit_mb=2048', '-print_final_stats=1', "-artifact_prefix=$dir/artifacts/", "$dir/corpus", (Join-Path $FuzzSrc 'corpus')
            $r.Error | Should -Match 'Done \d+ runs'
            $r.Error | Should -Not -Match 'ERROR: |runtime error|deadly signal'
            @(Get-ChildItem "$dir/artifacts") | Should -BeNullOrEmpty
            $r.ExitCode | Should -Be 0
            [int]([regex]::Match($r.Error, 'number_of_executed_units:\s*(\d+)').Groups[1].Value) | Should -BeGreaterThan 10000
        }
    }

    # The arm64 build runs here under qemu-user, which refuses CLONE_PARENT: so the request parser and the
    # enter mode, not the create mode.
    Context 'the arm64 build, under qemu-aarch64-static' {
        BeforeAll {
            $script:Qemu = Find-Tool 'qemu-aarch64-static', 'qemu-aarch64'
            if (-not $Qemu) { throw 'qemu-aarch64-static is missing (Debian: apt-get install qemu-user-static; .ci/run installs it).' }
            $script:Arm64 = Join-Path $RepoRoot 'out/NsPS/runtimes/linux-arm64/nsps-launcher'
        }
        AfterEach {
            if ($script:L) { Stop-Launcher $script:L; $script:L = $null }
        }

        It 'its message parser, built for arm64 like the launcher, parses the seed corpus as its file names say' {
            $t = Get-LauncherToolchain 'linux-arm64'
            $parse = Join-Path $Work 'parse-arm64'
            $r = Invoke-Tool $t.Compiler (@($t.Flags) + @(Get-LauncherStaticFlag) + @('-DNSPS_PARSE_MAIN', "-I$Src", '-o', $parse, (Join-Path $FuzzSrc 'fuzz_request.c'), (Join-Path $Src 'request.c')))
            "$($r.Output)$($r.Error)" | Should -BeNullOrEmpty
            (readelf -hW $parse) -join "`n" | Should -Match 'Machine:\s+AArch64'
            Assert-CorpusVerdict $parse -Runner $Qemu
        }

        It 'the shipped arm64 launcher rejects a bad request (<Why>) with EINVAL, status 64' -ForEach @(
            @{ Why = 'unknown key'; Request = "mode=create`ntypes=net`nfoo=1`n"; Message = 'line 3: foo: unknown key' }
            @{ Why = 'bad number'; Request = "mode=create`ntypes=time`nmonotonic=01`n"; Message = 'line 3: monotonic: expected signed decimal nanoseconds' }
            @{ Why = 'enter without a program'; Request = "mode=enter`ntarget=net:/proc/self/ns/net:4:4`n"; Message = 'mode=enter needs at least one arg=' }
        ) {
            $script:L = Invoke-Launcher $Request -Path $Qemu -Argv @($Qemu, $Arm64)
            $L.Status | Should -Be 64
            $e = Get-Event $L 'error'
            $e.Count | Should -Be 1
            $e[0].step | Should -Be 'request'
            $e[0].errno | Should -Be 22
            $e[0].message | Should -Be $Message
        }

        It 'the shipped arm64 launcher enters this process''s net and uts namespaces and runs <Program>: exit <Status>' -Skip:(-not $IsRoot) -Tag 'SkipBecause: entering needs root' -ForEach @(
            @{ Program = '/bin/true'; Status = 0 }
            @{ Program = '/bin/false'; Status = 1 }
        ) {
            $req = "mode=enter`n$((Get-TargetLines $PID net, uts) -join "`n")`narg=$Program`n"
            $script:L = Invoke-Launcher $req -Path $Qemu -Argv @($Qemu, $Arm64)
            $L.Status | Should -Be $Status
            (Get-Event $L 'started').Count | Should -Be 1
            (Get-Event $L 'exited')[0].code | Should -Be $Status
        }

        It 'the shipped arm64 launcher refuses a stale target: verify, ESTALE, status 82, nothing runs' -Skip:(-not $IsRoot) -Tag 'SkipBecause: entering needs root' {
            $script:L = Invoke-Launcher "mode=enter`ntarget=net:/proc/$PID/ns/net:${NsDev}:$($HostNs.net + 1)`narg=/bin/touch`narg=$Work/ran-arm64`n" -Path $Qemu -Argv @($Qemu, $Arm64)
            $L.Status | Should -Be 82
            $e = Get-Event $L 'error'
            $e[0].step | Should -Be 'verify'
            $e[0].errno | Should -Be 116
            Test-Path "$Work/ran-arm64" | Should -BeFalse
        }
    }
}
