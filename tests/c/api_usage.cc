#include "api_usage.c"
