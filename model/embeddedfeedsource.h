#pragma once
#include "feedsource.h"
#include "sseparser.h"

#include <QThreadPool>

#include <memory>

namespace af {
class Broadcaster;
class FeedService;
} // namespace af
class EmbeddedStreamClient;

/// @brief FeedSource over the in-process backend: every call runs on a worker thread,
/// live updates come from the broadcaster like any SSE client's (embedded mode).
class EmbeddedFeedSource : public FeedSource
{
    Q_OBJECT
public:
    /// @param service and @p broadcaster must outlive this object.
    EmbeddedFeedSource(af::FeedService &service, af::Broadcaster &broadcaster,
                       int actingTenantId, QObject *parent = nullptr);
    ~EmbeddedFeedSource() override;

    void loadEvents(const QString &cursor, int limit, QObject *context, Callback done) override;
    void loadEventSources(const QString &eventId, QObject *context, Callback done) override;
    void setReaction(const QString &eventId, const QString &type, bool add, QObject *context,
                     Callback done) override;
    void loadComments(const QString &eventId, const QString &cursor, int limit,
                      QObject *context, Callback done) override;
    void addComment(const QString &eventId, const QString &body, QObject *context,
                    Callback done) override;
    void start() override;

    [[nodiscard]] bool isEmbedded() const override { return true; }
    [[nodiscard]] QString location() const override { return tr("this computer"); }
    [[nodiscard]] int actingTenantId() const override { return m_tenantId; }
    void setActingTenantId(int tenantId) override;

private:
    /// Runs @p work on the pool and hands its answer (or its exception as a status) to
    /// @p done on the GUI thread, if @p context still exists.
    void run(QObject *context, std::function<QByteArray()> work, int okStatus, Callback done);
    void registerClient();
    void unregisterClient();

    af::FeedService &m_service;
    af::Broadcaster &m_broadcaster;
    int m_tenantId;
    QThreadPool m_pool;
    SseParser m_parser;
    std::shared_ptr<EmbeddedStreamClient> m_client;
};
