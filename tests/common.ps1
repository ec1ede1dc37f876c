# Shared by every Pester file: imports the BUILT module (out/NsPS) and offers helpers that build a
# known population of namespaces with the real tools and run a child pwsh as another user.
$script:RepoRoot = Split-Path $PSScriptRoot -Parent
$script:ModuleManifest = Join-Path $RepoRoot 'out/NsPS/NsPS.psd1'
if (-not (Test-Path $ModuleManifest)) { throw "Build the module first: dotnet pwsh ./build.ps1 (missing $ModuleManifest)." }
Import-Module $ModuleManifest -Force
# The runtime identifier of this machine and its launcher in the built module (runtimes/<rid>, picked at import).
$script:RuntimeId = if ([Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture -eq 'Arm64') { 'linux-arm64' } else { 'linux-x64' }
$script:LauncherPath = Join-Path $RepoRoot "out/NsPS/runtimes/$RuntimeId/nsps-launcher"

# The module's own way of driving the launcher, for the files that test the launcher binary on its own:
# NsPS.Tests.LauncherDriver, from the xunit assembly (the interop core itself is internal to NsPS). Built
# here when the test run has not built it yet.
function Import-LauncherDriver {
    $project = Join-Path $RepoRoot 'tests/NsPS.Tests'
    $dll = Get-ChildItem (Join-Path $project 'bin') -Recurse -Filter NsPS.Tests.dll -ErrorAction Ignore |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1
    if (-not $dll) {
        dotnet build $project -c Release -nologo -v q | Out-Null
        if ($LASTEXITCODE) { throw "dotnet build $project failed." }
        $dll = Get-ChildItem (Join-Path $project 'bin') -Recurse -Filter NsPS.Tests.dll | Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1
    }
    Add-Type -Path $dll.FullName
}

function Get-PwshCommand {
    $exe = [Environment]::ProcessPath
    if ((Split-Path $exe -Leaf) -match '^dotnet') { return @($exe, (Join-Path $PSHOME 'pwsh.dll')) }
    return @($exe)
}

# Starts a background program directly (no shell) and returns its Process object.
function Start-Background([string] $FilePath, [string[]] $ArgumentList, [switch] $RedirectOutput) {
    $psi = [System.Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = [bool]$RedirectOutput
    $psi.UseShellExecute = $false
    [System.Diagnostics.Process]::Start($psi)
}

# How long a wait for a condition may take before the test fails. Only a bound for what never
# happens: on a busy machine (every core taken) starting a pwsh alone can take several seconds.
$script:PatienceMs = 60000

# Waits until a condition holds (namespaces appear shortly after the process starts).
function Wait-Until([scriptblock] $Condition, [int] $TimeoutMs = $PatienceMs) {
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    while ($sw.ElapsedMilliseconds -lt $TimeoutMs) {
        if (& $Condition) { return $true }
        Start-Sleep -Milliseconds 20
    }
    throw "Timed out waiting for: $Condition"
}

# The state of a process from /proc/PID/stat (R, S, D, ..., Z: ended, not yet reaped), $null when there is none.
function Get-ProcessState([int] $ProcessId) {
    $stat = Get-Content "/proc/$ProcessId/stat" -Raw -ErrorAction Ignore
    if ($stat) { $stat.Substring($stat.LastIndexOf(')') + 2, 1) }
}

# True while the process runs. An ended process stays in /proc as a zombie until its parent reaps it,
# which for an orphan is PID 1, in its own time: Test-Path alone cannot tell.
function Test-Running([int] $ProcessId) { (Get-ProcessState $ProcessId) -notin $null, 'Z', 'X' }

# The inode of /proc/PID/ns/KIND (or of any nsfs path), read with the real tool.
function Get-NsInode([string] $Path) { [uint64](stat -L -c %i $Path) }

# The direct children of a process.
function Get-ChildPid([int] $ProcessId) {
    Get-ChildItem "/proc/$ProcessId/task" | ForEach-Object {
        (Get-Content "/proc/$ProcessId/task/$($_.Name)/children" -Raw) -split '\s+' | Where-Object { $_ } | ForEach-Object { [int]$_ }
    }
}

function Stop-Tree([System.Diagnostics.Process[]] $Process) {
    foreach ($p in $Process) {
        if ($p -and -not $p.HasExited) { $p.Kill($true); $p.WaitForExit($PatienceMs) | Out-Null }
    }
}

# A readable copy of this pwsh and of the built module, for children that run as another user.
function New-UserSandbox {
    $dir = Join-Path ([IO.Path]::GetTempPath()) ("nsps-user-" + [guid]::NewGuid().ToString('n'))
    New-Item -ItemType Directory $dir | Out-Null
    Copy-Item $PSHOME (Join-Path $dir 'pwsh') -Recurse
    Copy-Item (Split-Path $ModuleManifest) (Join-Path $dir 'NsPS') -Recurse
    New-Item -ItemType Directory (Join-Path $dir 'home') | Out-Null
    chmod -R a+rX $dir
    chmod a+rwx (Join-Path $dir 'home')
    $dir
}

# Runs a script block in a fresh pwsh that imports the module at $Module, started through $Prefix (a
# command that execs its arguments, e.g. setpriv), and returns its objects (errors included, as
# ErrorRecords). $Pwsh is the pwsh to run, as a command line.
function Invoke-ChildObjects([string] $Module, [scriptblock] $ScriptBlock, [string[]] $Prefix = @(), [string[]] $Pwsh = @(Get-PwshCommand), [string] $Prelude = '', [string] $What = 'The child pwsh') {
    $before = if ($Prelude) { "$Prelude; " } else { '' }
    $script = "Import-Module '$Module'; $before`$r = & { $ScriptBlock } 2>&1; [System.Management.Automation.PSSerializer]::Serialize(@(`$r), 3)"
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script))
    $argv = @($Prefix) + $Pwsh + @('-NoProfile', '-NonInteractive', '-EncodedCommand', $encoded)
    $xml = & $argv[0] @($argv | Select-Object -Skip 1)
    if ($LASTEXITCODE) { throw "$What failed ($LASTEXITCODE): $xml" }
    [System.Management.Automation.PSSerializer]::Deserialize(($xml -join "`n"))
}

# The command that runs what follows it as another user from a sandbox (setpriv drops every privilege).
# -KeepBoundingSet keeps the full capability bounding set, as a plain user has it, so that the set-user-id
# newuidmap and newgidmap work (emptying it disables them).
function Get-AsUserPrefix([string] $Sandbox, [int] $Uid = 65534, [int] $Gid = 65534, [switch] $KeepBoundingSet) {
    $bounding = @(if (-not $KeepBoundingSet) { '--bounding-set=-all' })
    @('setpriv', "--reuid=$Uid", "--regid=$Gid", '--clear-groups', '--inh-caps=-all') + $bounding + @('--',
        'env', "HOME=$Sandbox/home", 'XDG_RUNTIME_DIR=', "DOTNET_CLI_HOME=$Sandbox/home")
}

# Runs a script block in a pwsh as another user and returns its objects.
function Invoke-AsUser([string] $Sandbox, [scriptblock] $ScriptBlock, [int] $Uid = 65534, [int] $Gid = 65534, [string] $Prelude = '', [switch] $KeepBoundingSet) {
    Invoke-ChildObjects -Module (Join-Path $Sandbox 'NsPS/NsPS.psd1') -ScriptBlock $ScriptBlock -Prelude $Prelude `
        -Prefix (Get-AsUserPrefix $Sandbox -Uid $Uid -Gid $Gid -KeepBoundingSet:$KeepBoundingSet) `
        -Pwsh @([Environment]::ProcessPath, (Join-Path $Sandbox 'pwsh/pwsh.dll')) -What "The child pwsh as uid $Uid"
}

# Runs a script in a new pwsh (a new session) and returns its output lines, its error stream merged in
# as text; throws when the child fails. With -PassThruExitCode it returns the lines and the exit code
# instead ({ Output; ExitCode }), for a test that checks the exit code itself.
function Invoke-Child([string] $Script, [switch] $PassThruExitCode) {
    $cmd = @(Get-PwshCommand)
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($Script))
    $out = & $cmd[0] @($cmd | Select-Object -Skip 1) -NoProfile -NonInteractive -EncodedCommand $encoded 2>&1 | ForEach-Object { "$_" }
    if ($PassThruExitCode) { return [pscustomobject]@{ Output = @($out); ExitCode = $LASTEXITCODE } }
    if ($LASTEXITCODE) { throw "The child pwsh failed ($LASTEXITCODE): $($out -join "`n")" }
    $out
}

# Runs a command in a new pwsh (a new session) and returns its output lines.
function Invoke-Pwsh([string] $Command) {
    $cmd = @(Get-PwshCommand)
    $rest = @($cmd | Select-Object -Skip 1)
    $out = & $cmd[0] @rest -NoProfile -NonInteractive -Command $Command
    if ($LASTEXITCODE) { throw "pwsh failed ($LASTEXITCODE): $out" }
    $out
}

# What NsPS can leave on the system: its processes, nsfs mounts, names and state, and this process's
# descriptors. Compare two snapshots to prove that nothing was left behind.
function Get-SystemTrace {
    [pscustomobject]@{
        Holders   = @(Get-Process nsps-holder -ErrorAction Ignore).Id | Sort-Object
        Launchers = @(Get-Process nsps-launcher -ErrorAction Ignore).Id | Sort-Object
        # Ended children of this process that nobody reaped.
        Zombies   = @(Get-ChildItem /proc/self/task -ErrorAction Ignore | ForEach-Object {
                (Get-Content "/proc/self/task/$($_.Name)/children" -Raw -ErrorAction Ignore) -split '\s+' | Where-Object { $_ } |
                    Where-Object { (Get-ProcessState $_) -eq 'Z' }
            }) | Sort-Object
        Mounts    = @(Get-Content /proc/self/mountinfo | Where-Object { $_ -match ' - nsfs ' }) | Sort-Object
        RunNsPS   = @(Get-ChildItem /run/nsps -Force -ErrorAction Ignore).Name | Sort-Object
        RunNetns  = @(Get-ChildItem /run/netns -Force -ErrorAction Ignore).Name | Sort-Object
        UserState = @(Get-ChildItem /tmp -Filter 'nsps-*' -Directory -ErrorAction Ignore | Where-Object Name -match '^nsps-\d+$').Name | Sort-Object
        Fds       = @(Get-ChildItem /proc/self/fd).Count
    }
}

# The differences between two traces, one line each (empty when the system is as it was).
function Compare-SystemTrace($Before, $After, [string[]] $Ignore = @()) {
    foreach ($p in $Before.PSObject.Properties.Name) {
        if ($p -in $Ignore) { continue }
        $a = ($Before.$p | ForEach-Object { "$_" }) -join "`n"
        $b = ($After.$p | ForEach-Object { "$_" }) -join "`n"
        if ($a -ne $b) { "${p}: before [$a] after [$b]" }
    }
}
