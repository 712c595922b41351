#include "tokenstore.h"

#include <QEventLoop>
#include <QFile>
#include <QTimer>
#include <qt6keychain/keychain.h>

#include <cstdio>
#include <sys/stat.h>

namespace {

const QString kService = QStringLiteral("activityfeed");

QString keyFor(const QString &url)
{
    return QStringLiteral("remote token ") + url;
}

/// Runs @p job to its end (or a 5 s deadline): false if it did not finish.
bool runJob(QKeychain::Job &job)
{
    QEventLoop loop;
    bool done = false;
    QObject::connect(&job, &QKeychain::Job::finished, &loop, [&] {
        done = true;
        loop.quit();
    });
    QTimer::singleShot(5000, &loop, &QEventLoop::quit);
    job.setAutoDelete(false);
    job.start();
    if (!done)
        loop.exec();
    return done;
}

void reportUnavailable(const QString &why)
{
    static bool said = false;
    if (said)
        return;
    said = true;
    std::fprintf(stderr,
                 "activityfeed: no system keychain is available (%s): the remote token is not saved; "
                 "give it next time with --token-file PATH or $ACTIVITYFEED_TOKEN\n",
                 why.toUtf8().constData());
}

} // namespace

QString TokenStore::read(const QString &url)
{
    QKeychain::ReadPasswordJob job(kService);
    job.setKey(keyFor(url));
    if (!runJob(job)) {
        reportUnavailable(QStringLiteral("the keychain did not answer"));
        return {};
    }
    if (job.error() == QKeychain::NoError)
        return job.textData();
    if (job.error() != QKeychain::EntryNotFound)
        reportUnavailable(job.errorString());
    return {};
}

bool TokenStore::write(const QString &url, const QString &token)
{
    QKeychain::WritePasswordJob job(kService);
    job.setKey(keyFor(url));
    job.setTextData(token);
    if (!runJob(job)) {
        reportUnavailable(QStringLiteral("the keychain did not answer"));
        return false;
    }
    if (job.error() != QKeychain::NoError) {
        reportUnavailable(job.errorString());
        return false;
    }
    return true;
}

QString TokenStore::fromFileOrEnvironment(const QString &path, QString *error)
{
    if (path.isEmpty())
        return qEnvironmentVariable("ACTIVITYFEED_TOKEN").trimmed();
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the token file %1: %2").arg(path, f.errorString());
        return {};
    }
    struct stat st {};
    if (::fstat(f.handle(), &st) == 0 && (st.st_mode & 077) != 0)
        std::fprintf(stderr, "activityfeed: warning: the token file %s can be read by other users (chmod 600 it)\n",
                     path.toUtf8().constData());
    const QString token = QString::fromUtf8(f.readLine(4096)).trimmed();
    if (token.isEmpty())
        *error = QStringLiteral("the token file %1 is empty").arg(path);
    return token;
}
