#include "adminbackend.h"
