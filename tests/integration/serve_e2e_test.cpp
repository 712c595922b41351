// End to end through the real binary: `activityfeed serve` against a real PostgreSQL, an
// SSE client on a real socket, and emit + drain run as separate processes. Proves the
// scale-out path (several instances on one database): a drain from another process reaches the server's
// SSE clients through NOTIFY / LISTEN, and the served JSON matches the contract.
#include "pgharness.h"
#include "testprocess.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QThread>
#include <QTcpSocket>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <csignal>

namespace {

using aftest::freePort;
using aftest::runCli;

/// One `activityfeed serve` on a free port of 127.0.0.1, stopped by its own pid.
struct Server {
    QProcess process;
    quint16 port = 0;
    QByteArray log; ///< stdout and stderr so far

    /// Starts it on @p cs and waits up to 30 s for its "listening on" line; true once it is there.
    bool start(const QString &cs, const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
    {
        port = freePort();
        process.setProcessEnvironment(env);
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(QStringLiteral(AF_BINARY_PATH),
                      {"serve", "--database-url", cs, "--listen", QStringLiteral("127.0.0.1:%1").arg(port)});
        QElapsedTimer started;
        started.start();
        while (!log.contains("listening on http") && started.elapsed() < 30000 &&
               process.state() != QProcess::NotRunning) {
            process.waitForReadyRead(100);
            log += process.readAll();
        }
        return log.contains("listening on http://127.0.0.1:");
    }
    ~Server()
    {
        if (process.state() != QProcess::NotRunning) {
            ::kill(pid_t(process.processId()), SIGTERM);
            if (!process.waitForFinished(10000))
                process.kill();
        }
    }
};

bool waitFor(QTcpSocket &s, QByteArray &buffer, const QByteArray &needle, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!buffer.contains(needle) && t.elapsed() < timeoutMs) {
        if (s.waitForReadyRead(100))
            buffer += s.readAll();
    }
    return buffer.contains(needle);
}

QJsonObject httpGet(quint16 port, const QByteArray &target, const QString &token, int *status)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    s.waitForConnected(2000);
    s.write("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer " +
            token.toUtf8() + "\r\n\r\n");
    QByteArray all;
    while (s.state() == QAbstractSocket::ConnectedState && s.waitForReadyRead(5000))
        all += s.readAll();
    all += s.readAll();
    *status = all.mid(9, 3).toInt();
    return QJsonDocument::fromJson(all.mid(all.indexOf("\r\n\r\n") + 4)).object();
}

TEST(ServeEndToEnd, DrainFromAnotherProcessReachesSseClientsOfServe)
{
    const QString cs = QString::fromStdString(aftest::freshDatabase("e2e"));
    int rc = 0;
    const QJsonObject acme = QJsonDocument::fromJson(runCli(cs, {"tenant", "add", "Acme", "--json"}, &rc)).object();
    ASSERT_EQ(rc, 0);
    const QJsonObject globex = QJsonDocument::fromJson(runCli(cs, {"tenant", "add", "Globex", "--json"}, &rc)).object();
    ASSERT_EQ(rc, 0);

    Server server;
    ASSERT_TRUE(server.start(cs))
        << server.log.constData() << "\nserve state " << int(server.process.state()) << " exit "
        << server.process.exitCode() << " status " << int(server.process.exitStatus());
    EXPECT_TRUE(server.log.contains("open-file limit")) << server.log.constData();

    // Globex listens; Acme's event is drained by a separate CLI process.
    QTcpSocket sse;
    sse.connectToHost(QHostAddress::LocalHost, server.port);
    ASSERT_TRUE(sse.waitForConnected(2000));
    sse.write("GET /api/activity/stream?access_token=" + globex.value("token").toString().toUtf8() +
              " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
    QByteArray stream;
    ASSERT_TRUE(waitFor(sse, stream, "retry: 3000", 5000)) << stream.constData();
    EXPECT_TRUE(stream.contains("Content-Type: text/event-stream"));
    EXPECT_TRUE(stream.contains("X-Accel-Buffering: no"));

    runCli(cs, {"emit", "Acme", "badge_earned", R"({"badgeName":"Sprint Champion","xpAwarded":50})"}, &rc);
    ASSERT_EQ(rc, 0);
    QElapsedTimer t;
    t.start();
    const QByteArray drained = runCli(cs, {"drain", "--json"}, &rc);
    ASSERT_EQ(rc, 0);
    EXPECT_EQ(QJsonDocument::fromJson(drained).object().value("inserted").toInt(), 1);
    ASSERT_TRUE(waitFor(sse, stream, "event: activity.event.created", 5000)) << stream.constData();
    std::printf("drain in another process → SSE client: %lld ms (including the drain process)\n",
                static_cast<long long>(t.elapsed()));

    const qsizetype at = stream.indexOf("event: activity.event.created");
    const QByteArray frame = stream.mid(at, stream.indexOf("\n\n", at) - at);
    const QByteArray idLine = frame.mid(frame.indexOf("id: ") + 4);
    const qint64 seq = idLine.left(idLine.indexOf('\n')).toLongLong();
    const QJsonObject ev = QJsonDocument::fromJson(frame.mid(frame.indexOf("data: ") + 6)).object();
    EXPECT_EQ(ev.value("event_type").toString(), "badge_earned");
    EXPECT_EQ(ev.value("tenantName").toString(), "Acme");
    EXPECT_EQ(ev.value("display_name").toString(), "Badge earned");
    EXPECT_EQ(ev.value("icon").toString(), QString::fromUtf8("🏅"));
    EXPECT_EQ(ev.value("seq").toInteger(), seq);
    EXPECT_TRUE(ev.value("created_at").toString().endsWith('Z'));
    EXPECT_EQ(ev.value("created_at").toString().size(), 27); // microseconds

    // The same event is the head of the feed page, with the viewer's computed fields.
    int status = 0;
    const QJsonObject page = httpGet(server.port, "/api/activity/events?limit=5",
                                     globex.value("token").toString(), &status);
    ASSERT_EQ(status, 200);
    const QJsonArray events = page.value("events").toArray();
    ASSERT_EQ(events.size(), 1);
    EXPECT_EQ(events.at(0).toObject().value("id"), ev.value("id"));
    EXPECT_TRUE(page.value("nextCursor").isNull());
    EXPECT_EQ(events.at(0).toObject().value("reactions").toObject().value("hype").toInt(), 0);

    // /api/me names the token's tenant; without a token it is 401.
    const QJsonObject me = httpGet(server.port, "/api/me", globex.value("token").toString(), &status);
    EXPECT_EQ(status, 200);
    EXPECT_EQ(me.value("tenantId").toInt(), globex.value("id").toInt());
    EXPECT_EQ(me.value("tenantName").toString(), "Globex");
    httpGet(server.port, "/api/me", QStringLiteral("aft_not_a_token"), &status);
    EXPECT_EQ(status, 401);

    // Health is reported without a token.
    EXPECT_EQ(httpGet(server.port, "/healthz", QString(), &status).value("db").toString(), "up");
    EXPECT_EQ(status, 200);
    Q_UNUSED(acme);
}

TEST(ServeEndToEnd, SigtermDuringADrainStopsCleanlyWithNothingHalfDone)
{
    // What `systemctl stop` does: SIGTERM to serve while a drain of many batches runs.
    const std::string cs = aftest::freshDatabase("e2e_stop");
    int rc = 0;
    runCli(QString::fromStdString(cs), {"tenant", "add", "Acme"}, &rc);
    ASSERT_EQ(rc, 0);
    constexpr int kRows = 4 * 5000 + 123; // several drain batches
    {
        pqxx::connection c(cs);
        pqxx::work tx(c);
        tx.exec("INSERT INTO activity_queue (tenant_id, event_type, payload_json, created_at) "
                "SELECT (SELECT min(id) FROM tenants), 'badge_earned', jsonb_build_object('badgeName', 'B' || g), "
                "now() - make_interval(secs => g * 400) FROM generate_series(1, " + std::to_string(kRows) + ") g");
        tx.commit();
    }
    const auto scalar = [&cs](const std::string &sql) { return aftest::queryNumber(cs, sql); };

    Server server;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("MC_API_SECRET"), QStringLiteral("stop-s3cret"));
    ASSERT_TRUE(server.start(QString::fromStdString(cs), env)) << server.log.constData();

    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, server.port);
    ASSERT_TRUE(client.waitForConnected(2000));
    client.write("POST /api/activity/drain HTTP/1.1\r\nHost: x\r\nx-drain-secret: stop-s3cret\r\n"
                 "Content-Length: 0\r\n\r\n");
    client.flush();
    // The drain has begun once its first batch is committed; then the stop comes.
    QElapsedTimer t;
    t.start();
    while (scalar("SELECT count(*) FROM activity_queue WHERE processed") == 0 && t.elapsed() < 30000)
        QThread::msleep(5); // polling interval; the next line asserts the drain started
    const long long atSignal = scalar("SELECT count(*) FROM activity_queue WHERE processed");
    ASSERT_GT(atSignal, 0) << "the drain did not start";
    QElapsedTimer stopping;
    stopping.start();
    ::kill(pid_t(server.process.processId()), SIGTERM);
    ASSERT_TRUE(server.process.waitForFinished(60000)) << "serve did not stop within 60 s of SIGTERM";
    server.log += server.process.readAll();
    EXPECT_EQ(server.process.exitStatus(), QProcess::NormalExit) << server.log.constData();
    EXPECT_EQ(server.process.exitCode(), 0) << server.log.constData();
    std::printf("[ stop     ] SIGTERM with %lld of %d rows drained: serve exited after %lld ms\n", atSignal,
                kRows, static_cast<long long>(stopping.elapsed()));

    // Nothing half-done: every queue row is either processed with exactly its source, or
    // untouched; the drain run is recorded as finished with what it did.
    EXPECT_EQ(0, scalar("SELECT count(*) FROM activity_queue q WHERE q.processed <> EXISTS "
                        "(SELECT 1 FROM activity_event_sources s WHERE s.queue_id = q.id)"));
    const long long processed = scalar("SELECT count(*) FROM activity_queue WHERE processed");
    EXPECT_EQ(processed, scalar("SELECT count(*) FROM activity_event_sources"));
    EXPECT_EQ(0, scalar("SELECT count(*) FROM activity_events e WHERE NOT EXISTS "
                        "(SELECT 1 FROM activity_event_sources s WHERE s.event_id = e.id)"));
    // serve lets a running drain finish before it exits.
    EXPECT_EQ(processed, kRows);
    EXPECT_EQ(1, scalar("SELECT count(*) FROM drain_runs WHERE trigger = 'api' AND finished_at IS NOT NULL "
                        "AND processed = " + std::to_string(kRows)));
}

} // namespace
