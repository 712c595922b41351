#include "servecommand.h"

#include <cstdio>

int runServe(int, char **, const AppOptions &)
{
    std::fprintf(stderr, "activityfeed: serve is not built yet\n");
    return 1;
}
