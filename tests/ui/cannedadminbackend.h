#pragma once
// Canned answers for AdminModel in Qt Quick tests and screenshots.
#include "adminbackend.h"

#include <QDateTime>
#include <QJsonArray>
#include <QTimer>

class CannedAdminBackend : public AdminBackend
{
public:
    int queueDepth = 37;
    bool lanOpen = true;

    template <typename T>
    void answer(QObject *context, Callback<T> done, T value)
    {
        const auto r = Reply<T>::success(std::move(value));
        QTimer::singleShot(0, context, [done, r] { done(r); });
    }
    void stats(QObject *c, Callback<af::QueueStats> d) override
    {
        af::QueueStats s;
        s.queueDepth = queueDepth;
        if (queueDepth)
            s.oldestSeconds = 252;
        answer(c, d, s);
    }
    void drain(std::optional<int>, QObject *c, Callback<af::DrainResult> d) override
    {
        const int rows = queueDepth;
        queueDepth = 0;
        answer(c, d, af::DrainResult{rows, rows ? 6 : 0});
    }
    void previewDrain(QObject *c, Callback<std::vector<af::PreviewRow>> d) override
    {
        std::vector<af::PreviewRow> tiles;
        if (queueDepth) {
            tiles.push_back({2, "Northwind Traders", "badge_earned", "🏅", "12 badges earned", 12, 12, false, 0, {}, {}});
            tiles.push_back({1, "Acme Robotics", "tasks_burst", "⚡", "Completed 14 tasks in 24 hours", 1, 1, false, 0, {}, {}});
            tiles.push_back({3, "Globex", "xp_rank_up", "⬆️", "3 rank ups", 3, 3, false, 0, {}, {}});
        }
        answer(c, d, tiles);
    }
    void drainLog(int, QObject *c, Callback<std::vector<af::DrainRun>> d) override
    {
        std::vector<af::DrainRun> runs;
        const char *triggers[] = {"desktop", "auto", "cli", "api", "auto"};
        for (int i = 0; i < 5; ++i) {
            af::DrainRun run;
            run.id = 40 - i;
            run.startedAt = QDateTime::currentDateTimeUtc().addSecs(-600 * (i + 1)).toString(Qt::ISODateWithMs);
            run.trigger = triggers[i];
            run.result = {20 - 3 * i, 5 - i};
            if (i == 3)
                run.error = "database unavailable: connection refused";
            runs.push_back(run);
        }
        answer(c, d, runs);
    }
    void tenants(QObject *c, Callback<std::vector<af::TenantSummary>> d) override
    {
        auto token = [](int id, const char *label, bool revoked) {
            return af::TokenSummary{id, label, "2026-02-20T09:00:00.000000Z",
                                    revoked ? "2026-02-22T09:00:00.000000Z" : ""};
        };
        answer(c, d, std::vector<af::TenantSummary>{
            {1, "Acme Robotics", {}, {token(1, "desktop", false), token(4, "old laptop", true)}},
            {2, "Northwind Traders", {}, {token(2, "browser", false)}},
            {3, "Globex", {}, {token(3, "ci", false)}}});
    }
    void createTenant(const QString &, QObject *c, Callback<af::IssuedToken> d) override
    {
        answer(c, d, af::IssuedToken{9, 9, "aft_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"});
    }
    void issueToken(int tenantId, const QString &, QObject *c, Callback<af::IssuedToken> d) override
    {
        answer(c, d, af::IssuedToken{10, tenantId, "aft_bmV3dG9rZW5uZXd0b2tlbm5ld3Rva2VubmV3dG9rZW4"});
    }
    void revokeToken(int, QObject *c, Callback<bool> d) override { answer(c, d, true); }
    void emitEvent(int, const QString &, const QJsonObject &, QObject *c, Callback<QString> d) override
    {
        ++queueDepth;
        answer(c, d, QStringLiteral("00000000-0000-0000-0000-000000000001"));
    }
    void purgeProcessed(int, QObject *c, Callback<int> d) override { answer(c, d, 120); }
    QJsonObject server() const
    {
        return {{"listen", lanOpen ? "0.0.0.0:8787" : "127.0.0.1:8787"}, {"lanOpen", lanOpen},
                {"lanUrls", lanOpen ? QJsonArray{"http://192.168.1.42:8787/"} : QJsonArray{}},
                {"clients", QJsonArray{
                    QJsonObject{{"id", "7"}, {"tenantId", 2}, {"tenantName", "Northwind Traders"}, {"address", "192.168.1.57:50412"}, {"since", "2026-02-23T09:12:00.000000Z"}, {"lastEventId", "1042"}},
                    QJsonObject{{"id", "8"}, {"tenantId", 3}, {"tenantName", "Globex"}, {"address", "127.0.0.1:50900"}, {"since", "2026-02-23T09:40:00.000000Z"}, {"lastEventId", "1043"}}}}};
    }
    void serverStatus(QObject *c, Callback<QJsonObject> d) override { answer(c, d, server()); }
    void setLanOpen(bool open, QObject *c, Callback<QJsonObject> d) override
    {
        lanOpen = open;
        answer(c, d, server());
    }
    void disconnectClient(const QString &, QObject *c, Callback<bool> d) override { answer(c, d, true); }
};
