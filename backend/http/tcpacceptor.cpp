#include "tcpacceptor.h"

namespace af {

TcpAcceptor::TcpAcceptor(std::function<void(qintptr)> onAccepted, QObject *parent)
    : QTcpServer(parent)
    , m_onAccepted(std::move(onAccepted))
{
    // Thousands of SSE clients reconnect at once after a restart.
    setListenBacklogSize(1024);
}

void TcpAcceptor::incomingConnection(qintptr descriptor)
{
    m_onAccepted(descriptor);
}

} // namespace af
