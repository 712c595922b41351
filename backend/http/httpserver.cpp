#include "httpserver.h"

#include "core/logcategories.h"
#include "httpconnection.h"
#include "servercontext.h"
#include "tcpacceptor.h"

#include <QHostAddress>
#include <QMetaObject>

#include <algorithm>

namespace af {

HttpServer::HttpServer(const HttpServerConfig &config, QObject *parent)
    : QObject(parent)
    , m_context(std::make_unique<ServerContext>(config))
    , m_acceptThread(std::make_unique<QThread>())
{
    m_context->setSseChangedCallback([this] {
        // Coalesced: thousands of clients connecting give one signal per event-loop turn.
        if (!m_changePosted.exchange(true)) {
            QMetaObject::invokeMethod(this, [this] {
                m_changePosted = false;
                Q_EMIT sseClientsChanged();
            }, Qt::QueuedConnection);
        }
    });

    m_acceptThread->setObjectName(QStringLiteral("af-http-accept"));
    m_acceptor = new TcpAcceptor([this](qintptr fd) { onAccepted(fd); });
    m_acceptor->moveToThread(m_acceptThread.get());
    connect(m_acceptThread.get(), &QThread::finished, m_acceptor, &QObject::deleteLater);
    m_acceptThread->start();

    const int threads = std::max(1, config.networkThreads);
    for (int i = 0; i < threads; ++i) {
        auto thread = std::make_unique<QThread>();
        thread->setObjectName(QStringLiteral("af-http-net-%1").arg(i));
        auto *home = new QObject;
        home->moveToThread(thread.get());
        // Whatever is still open when the thread ends is deleted on that thread.
        connect(thread.get(), &QThread::finished, home, &QObject::deleteLater);
        thread->start();
        m_homes.push_back(home);
        m_networkThreads.push_back(std::move(thread));
    }
}

HttpServer::~HttpServer()
{
    close();
    m_context->pool()->waitForDone();
    m_acceptThread->quit();
    m_acceptThread->wait();
    for (auto &t : m_networkThreads) {
        t->quit();
        t->wait();
    }
}

Router &HttpServer::router()
{
    return m_context->router();
}

void HttpServer::setBroadcaster(Broadcaster *broadcaster)
{
    m_context->setBroadcaster(broadcaster);
}

void HttpServer::setReplayProvider(ReplayProvider provider)
{
    m_context->setReplayProvider(std::move(provider));
}

void HttpServer::setStreamTokenCheck(StreamTokenCheck check)
{
    m_context->setStreamTokenCheck(std::move(check));
}

void HttpServer::setConfig(const HttpServerConfig &config)
{
    if (m_listening || m_context->sseClientCount() > 0) {
        qCWarning(lcHttp) << "configuration change ignored while the server is running";
        return;
    }
    m_context->setConfig(config);
}

const HttpServerConfig &HttpServer::config() const
{
    return m_context->config();
}

void HttpServer::runOnAcceptThread(const std::function<void()> &fn)
{
    if (QThread::currentThread() == m_acceptThread.get())
        fn();
    else
        QMetaObject::invokeMethod(m_acceptor, fn, Qt::BlockingQueuedConnection);
}

bool HttpServer::listen()
{
    return listen(m_context->config().host, m_context->config().port);
}

bool HttpServer::listen(const QString &host, quint16 port)
{
    QHostAddress address;
    if (host.isEmpty() || host == QLatin1String("*"))
        address = QHostAddress::Any;
    else if (host == QLatin1String("localhost"))
        address = QHostAddress::LocalHost;
    else if (!address.setAddress(host)) {
        std::lock_guard<std::mutex> lock(m_errorMutex);
        m_errorString = QStringLiteral("invalid listen address: %1").arg(host);
        return false;
    }
    bool ok = false;
    quint16 bound = 0;
    QString error;
    runOnAcceptThread([&] {
        if (m_acceptor->isListening())
            m_acceptor->close();
        ok = m_acceptor->listen(address, port);
        bound = ok ? m_acceptor->serverPort() : 0;
        if (!ok)
            error = m_acceptor->errorString();
    });
    {
        std::lock_guard<std::mutex> lock(m_errorMutex);
        m_errorString = error;
    }
    m_port = bound;
    m_listening = ok;
    if (ok)
        qCInfo(lcHttp) << "listening on" << address.toString() << "port" << bound;
    else
        qCWarning(lcHttp) << "cannot listen on" << host << port << ":" << error;
    return ok;
}

void HttpServer::close()
{
    runOnAcceptThread([this] {
        if (m_acceptor->isListening())
            m_acceptor->close();
    });
    if (m_listening.exchange(false))
        qCInfo(lcHttp) << "stopped listening";
    m_port = 0;
    dropConnections();
}

void HttpServer::dropConnections()
{
    for (std::size_t i = 0; i < m_homes.size(); ++i) {
        QObject *home = m_homes[i];
        const auto dropAll = [home] {
            const QObjectList children = home->children();
            for (QObject *c : children)
                delete c;
        };
        if (QThread::currentThread() == m_networkThreads[i].get())
            dropAll();
        else
            QMetaObject::invokeMethod(home, dropAll, Qt::BlockingQueuedConnection);
    }
}

void HttpServer::onAccepted(qintptr descriptor)
{
    const std::size_t index = m_nextThread.fetch_add(1) % m_homes.size();
    QObject *home = m_homes[index];
    ServerContext *context = m_context.get();
    QMetaObject::invokeMethod(home, [home, descriptor, context] {
        new HttpConnection(descriptor, context, home);
    }, Qt::QueuedConnection);
}

bool HttpServer::isListening() const
{
    return m_listening;
}

quint16 HttpServer::serverPort() const
{
    return m_port;
}

QString HttpServer::errorString() const
{
    std::lock_guard<std::mutex> lock(m_errorMutex);
    return m_errorString;
}

QList<SseClientInfo> HttpServer::sseClients() const
{
    return m_context->sseClients();
}

int HttpServer::sseClientCount() const
{
    return m_context->sseClientCount();
}

bool HttpServer::disconnectSseClient(quint64 id)
{
    return m_context->disconnectSseClient(id);
}

} // namespace af
