#pragma once
#include <QTcpServer>

#include <functional>

namespace af {

/// @brief A QTcpServer that hands each accepted descriptor to a callback instead of
/// making a QTcpSocket on the accepting thread (the socket is made on a network thread).
class TcpAcceptor : public QTcpServer
{
    Q_OBJECT
public:
    explicit TcpAcceptor(std::function<void(qintptr)> onAccepted, QObject *parent = nullptr);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    std::function<void(qintptr)> m_onAccepted;
};

} // namespace af
