#include "exporter/metrics/collector.h"
