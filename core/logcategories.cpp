#include "logcategories.h"

Q_LOGGING_CATEGORY(lcDb, "activityfeed.db")
Q_LOGGING_CATEGORY(lcFeed, "activityfeed.feed")
Q_LOGGING_CATEGORY(lcHttp, "activityfeed.http")
Q_LOGGING_CATEGORY(lcApi, "activityfeed.api")
Q_LOGGING_CATEGORY(lcHooks, "activityfeed.hooks")
Q_LOGGING_CATEGORY(lcDesktop, "activityfeed.desktop")
