using System;
using System.Management.Automation;
using System.Management.Automation.Remoting;
using System.Management.Automation.Internal;
using System.Management.Automation.Remoting.Client;
using System.Management.Automation.Runspaces;

namespace NsPS.Core
{
    /// <summary>
    /// How PowerShell reaches a namespace session: a <see cref="SessionServer"/> started already, whose standard
    /// streams carry the remoting protocol. PowerShell's own remoting (runspace pool, pipelines, stop, close)
    /// runs over it unchanged.
    /// </summary>
    internal sealed class NamespaceConnectionInfo : RunspaceConnectionInfo
    {
        public NamespaceConnectionInfo(SessionServer server, string computerName)
        {
            Server = server;
            ComputerName = computerName;
        }

        public SessionServer Server { get; }

        /// <summary>Names the target: ns:NAME, ns:pid PID, or the namespaces piped in.</summary>
        public override string ComputerName { get; set; }

        /// <summary>None: the server runs as the credentials chosen when it was started.</summary>
        public override PSCredential? Credential
        {
            get => null;
            set => throw new NotSupportedException("A namespace session takes no credential; give -Uid and -Gid to New-NamespaceSession.");
        }

        public override AuthenticationMechanism AuthenticationMechanism
        {
            get => AuthenticationMechanism.Default;
            set => throw new NotSupportedException("A namespace session has no authentication.");
        }

        public override string CertificateThumbprint
        {
            get => string.Empty;
            set => throw new NotSupportedException("A namespace session has no certificate.");
        }

        /// <summary>The same server: a copy of the connection reaches the same session.</summary>
        public override RunspaceConnectionInfo Clone() => new NamespaceConnectionInfo(Server, ComputerName);

        public override BaseClientSessionTransportManager CreateClientSessionTransportManager(Guid instanceId, string sessionName, PSRemotingCryptoHelper cryptoHelper) =>
            new NamespaceTransport(this, instanceId, cryptoHelper);
    }

    /// <summary>
    /// The client side of the remoting protocol over the server's standard streams: messages go to its
    /// input one a line, each line of its output is a message. The end of the server (or of its namespaces)
    /// breaks the session with that reason; closing the session ends the server.
    /// </summary>
    internal sealed class NamespaceTransport : ClientSessionTransportManagerBase
    {
        private readonly NamespaceConnectionInfo _info;

        public NamespaceTransport(NamespaceConnectionInfo info, Guid runspaceId, PSRemotingCryptoHelper cryptoHelper)
            : base(runspaceId, cryptoHelper)
        {
            _info = info;
        }

        public override void CreateAsync()
        {
            SetMessageWriter(_info.Server.Input);
            _info.Server.Run(HandleDataReceived, reason =>
                RaiseErrorHandler(new TransportErrorOccuredEventArgs(new PSRemotingTransportException(reason), TransportMethodEnum.Unknown)));
            SendOneItem();
        }

        protected override void CleanupConnection() => _info.Server.Shutdown();

        protected override void Dispose(bool isDisposing)
        {
            base.Dispose(isDisposing);
            if (isDisposing) _info.Server.Shutdown();
        }
    }
}
