#!/usr/bin/env python3
"""Writes the Grafana dashboards of wireguard_exporter.

The JSON files next to this script are its output and are what Grafana
imports; this script is their source, so queries, units and layout are
written once and stay consistent across panels. After editing it, run

    dashboards/generate_dashboards.py          # rewrites the JSON files
    dashboards/generate_dashboards.py --check  # exit 1 when they are stale

Only the Python 3 standard library is used.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

GRAFANA_VERSION = "10.4.0"
SCHEMA_VERSION = 39
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}

# Label selectors shared by every query of a dashboard. Interface names
# repeat across network namespaces: an interface is (instance, netns,
# interface), a peer (instance, netns, interface, public_key). The exporter's
# own namespace has no netns label, which "All" (.*) matches too.
EXPORTER_SEL = 'job=~"$job", instance=~"$instance"'
NETNS_SEL = EXPORTER_SEL + ', netns=~"$netns"'
IFACE_SEL = NETNS_SEL + ', interface=~"$interface"'
PEER_SEL = IFACE_SEL + ', public_key="$peer"'

# Where a series is: gateway, namespace, interface. An empty netns leaves two
# spaces, which render as one.
WHERE_LEGEND = "{{instance}} {{netns}} {{interface}}"
PEER_LEGEND = "{{peer}} (%s)" % WHERE_LEGEND

# Where a peer-detail link from the overview points.
PEER_DASHBOARD_UID = "wireguard-peer"
OVERVIEW_UID = "wireguard-overview"


def peer_label(expr):
    """Adds a `peer` label: the peer's name, or its public key when unnamed.

    Prometheus drops empty labels, so an unnamed peer has no `name` label at
    all; the second label_replace only matches a non-empty name.
    """
    return ('label_replace(label_replace(%s, "peer", "$1", "public_key", "(.+)"), '
            '"peer", "$1", "name", "(.+)")' % expr)


def without_name(expr):
    """Drops the metric name, so the instant results of several queries merge
    into one table row per peer on their labels alone."""
    return 'label_replace(%s, "__name__", "", "", "")' % expr


def with_netns_param(expr):
    """Adds a `netns_param` label, "var-netns=NAME", present on every series:
    a data link cannot read a netns column that is missing (as it is when
    every row is in the exporter's own namespace), and "var-netns=" selects
    that namespace alone on the linked dashboard. Grafana encodes a data
    link's values as a URI (encodeURI), which keeps the "=" and leaves & # +
    as they are: a namespace name with one of those does not survive the
    link."""
    return 'label_replace(%s, "netns_param", "var-netns=$1", "netns", "(.*)")' % expr


# ---------------------------------------------------------------- building blocks


class Layout:
    """Hands out panel ids and grid positions, row by row."""

    def __init__(self):
        self.next_id = 1
        self.y = 0

    def take_id(self):
        panel_id = self.next_id
        self.next_id += 1
        return panel_id


def target(expr, ref, legend=None, instant=False, fmt=None):
    t = {
        "datasource": DATASOURCE,
        "editorMode": "code",
        "expr": expr,
        "instant": instant,
        "range": not instant,
        "refId": ref,
    }
    if legend is not None:
        t["legendFormat"] = legend
    if fmt is not None:
        t["format"] = fmt
    return t


def thresholds(*steps):
    """steps: (color, value) pairs; the first value is the base (None)."""
    return {"mode": "absolute",
            "steps": [{"color": color, "value": value} for color, value in steps]}


def value_map(mapping):
    """{value: (text, color)} -> a Grafana value mapping."""
    options = {}
    for index, (value, (text, color)) in enumerate(mapping.items()):
        options[str(value)] = {"text": text, "index": index}
        if color:
            options[str(value)]["color"] = color
    return {"type": "value", "options": options}


ONLINE_MAPPINGS = [value_map({0: ("offline", "red"), 1: ("online", "green")})]
ONLINE_THRESHOLDS = thresholds(("red", None), ("green", 1))
# A table's Namespace cell is empty for the exporter's own namespace.
OWN_NETNS_TEXT = "(own)"
OWN_NETNS_MAPPINGS = [
    {"type": "special", "options": {"match": match, "result": {"text": OWN_NETNS_TEXT,
                                                                "index": index}}}
    for index, match in enumerate(("null", "empty"))]
# wireguard_peer_last_handshake_age_seconds is +Inf for a peer that never
# completed a handshake; show that as "never" rather than "Infinity".
NEVER_MAPPING = {"type": "range", "options": {"from": 1e15, "result": {"text": "never",
                                                                          "color": "red",
                                                                          "index": 0}}}
# A healthy peer re-handshakes every 2 minutes (REKEY_AFTER_TIME); the
# default online threshold is 3 minutes (REJECT_AFTER_TIME).
AGE_THRESHOLDS = thresholds(("green", None), ("yellow", 135), ("red", 180))


def panel(layout, kind, title, description, x, w, h, targets, unit, **extra):
    p = {
        "datasource": DATASOURCE,
        "description": description,
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "gridPos": {"h": h, "w": w, "x": x, "y": layout.y},
        "id": layout.take_id(),
        "targets": targets,
        "title": title,
        "type": kind,
    }
    for key, value in extra.items():
        if key == "defaults":
            p["fieldConfig"]["defaults"].update(value)
        elif key == "overrides":
            p["fieldConfig"]["overrides"] = value
        else:
            p[key] = value
    return p


def stat(layout, title, description, x, w, h, targets, unit, color_mode="background",
         text_mode="auto", graph_mode="none", **extra):
    options = {
        "colorMode": color_mode,
        "graphMode": graph_mode,
        "justifyMode": "auto",
        "orientation": "auto",
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "showPercentChange": False,
        "textMode": text_mode,
        "wideLayout": True,
    }
    defaults = extra.pop("defaults", {})
    defaults.setdefault("color", {"mode": "thresholds"})
    return panel(layout, "stat", title, description, x, w, h, targets, unit, options=options,
                 defaults=defaults, **extra)


def timeseries(layout, title, description, x, w, h, targets, unit, legend_calcs=("lastNotNull", "max"),
               stack=False, fill=10, **extra):
    defaults = extra.pop("defaults", {})
    defaults.setdefault("color", {"mode": "palette-classic"})
    defaults["custom"] = {
        "drawStyle": "line",
        "fillOpacity": fill,
        "lineWidth": 1,
        "showPoints": "never",
        "spanNulls": False,
        "stacking": {"group": "A", "mode": "normal" if stack else "none"},
    }
    options = {
        "legend": {"calcs": list(legend_calcs), "displayMode": "table", "placement": "right",
                   "showLegend": True},
        "tooltip": {"mode": "multi", "sort": "desc"},
    }
    if not legend_calcs:
        options["legend"] = {"calcs": [], "displayMode": "list", "placement": "bottom",
                             "showLegend": True}
    return panel(layout, "timeseries", title, description, x, w, h, targets, unit,
                 options=options, defaults=defaults, **extra)


def state_timeline(layout, title, description, x, w, h, targets, unit, **extra):
    options = {
        "alignValue": "left",
        "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
        "mergeValues": True,
        "rowHeight": 0.8,
        "showValue": "never",
        "tooltip": {"mode": "single", "sort": "none"},
    }
    defaults = extra.pop("defaults", {})
    defaults.setdefault("color", {"mode": "thresholds"})
    defaults.setdefault("custom", {"fillOpacity": 80, "lineWidth": 0})
    return panel(layout, "state-timeline", title, description, x, w, h, targets, unit,
                 options=options, defaults=defaults, **extra)


def table(layout, title, description, x, w, h, targets, unit, sort_by, transformations,
          sort_desc=True, **extra):
    options = {
        "cellHeight": "sm",
        "footer": {"countRows": False, "fields": "", "reducer": ["sum"], "show": False},
        "showHeader": True,
        "sortBy": [{"desc": sort_desc, "displayName": sort_by}],
    }
    defaults = extra.pop("defaults", {})
    defaults.setdefault("custom", {"align": "auto", "cellOptions": {"type": "auto"},
                                   "filterable": True, "inspect": False})
    return panel(layout, "table", title, description, x, w, h, targets, unit, options=options,
                 defaults=defaults, transformations=transformations, **extra)


def override(name, **props):
    """A by-name field override; keyword names are Grafana property ids with
    '__' for '.'."""
    return {"matcher": {"id": "byName", "options": name},
            "properties": [{"id": key.replace("__", "."), "value": value}
                           for key, value in props.items()]}


def colored_cell(mode="color-background"):
    return {"type": mode, "mode": "basic"}


def row(layout, title):
    p = {"collapsed": False, "gridPos": {"h": 1, "w": 24, "x": 0, "y": layout.y},
         "id": layout.take_id(), "panels": [], "title": title, "type": "row"}
    layout.y += 1
    return p


# ---------------------------------------------------------------- variables


def datasource_variable():
    # On import Grafana replaces ${DS_PROMETHEUS} with the data source the
    # user picks; a provisioned copy falls back to the default Prometheus.
    return {
        "current": {"selected": False, "text": "${DS_PROMETHEUS}", "value": "${DS_PROMETHEUS}"},
        "hide": 0,
        "includeAll": False,
        "label": "Data source",
        "multi": False,
        "name": "datasource",
        "options": [],
        "query": "prometheus",
        "refresh": 1,
        "regex": "",
        "skipUrlSync": False,
        "type": "datasource",
    }


def query_variable(name, label, query, multi=False, include_all=False, regex="", sort=1,
                   all_value=".+"):
    v = {
        "current": {},
        "datasource": DATASOURCE,
        "definition": query,
        "hide": 0,
        "includeAll": include_all,
        "label": label,
        "multi": multi,
        "name": name,
        "options": [],
        "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "refresh": 2,
        "regex": regex,
        "skipUrlSync": False,
        "sort": sort,
        "type": "query",
    }
    if include_all:
        # A plain regex instead of an alternation of every value keeps queries
        # short on a fleet of hundreds of gateways.
        v["allValue"] = all_value
    return v


def common_variables():
    return [
        datasource_variable(),
        query_variable("job", "Job", "label_values(wireguard_exporter_build_info, job)"),
        query_variable("instance", "Gateway",
                       'label_values(wireguard_exporter_build_info{job=~"$job"}, instance)',
                       multi=True, include_all=True),
        # The exporter's own namespace has no netns label, so it is no option
        # of its own; "All" is ".*" rather than ".+" to include it.
        query_variable("netns", "Namespace",
                       'label_values(wireguard_netns_up{%s}, netns)' % EXPORTER_SEL,
                       multi=True, include_all=True, all_value=".*"),
        query_variable("interface", "Interface",
                       'label_values(wireguard_interface_info{%s}, interface)' % NETNS_SEL,
                       multi=True, include_all=True),
    ]


def dashboard(uid, title, description, panels, variables, links):
    used_types = sorted({p["type"] for p in panels if p["type"] != "row"})
    panel_names = {"stat": "Stat", "timeseries": "Time series", "table": "Table",
                   "state-timeline": "State timeline", "bargauge": "Bar gauge"}
    return {
        "__inputs": [{
            "name": "DS_PROMETHEUS",
            "label": "Prometheus",
            "description": "Prometheus that scrapes wireguard_exporter",
            "type": "datasource",
            "pluginId": "prometheus",
            "pluginName": "Prometheus",
        }],
        "__elements": {},
        "__requires": (
            [{"type": "grafana", "id": "grafana", "name": "Grafana", "version": GRAFANA_VERSION},
             {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"}]
            + [{"type": "panel", "id": t, "name": panel_names[t], "version": ""} for t in used_types]),
        "annotations": {"list": [{
            "builtIn": 1,
            "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True,
            "hide": True,
            "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts",
            "type": "dashboard",
        }]},
        "description": description,
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "id": None,
        "links": links,
        "liveNow": False,
        "panels": panels,
        "refresh": "1m",
        "schemaVersion": SCHEMA_VERSION,
        "tags": ["wireguard", "wireguard_exporter"],
        "templating": {"list": variables},
        "time": {"from": "now-6h", "to": "now"},
        "timepicker": {},
        "timezone": "",
        "title": title,
        "uid": uid,
        "version": 1,
        "weekStart": "",
    }


# ---------------------------------------------------------------- overview


def overview():
    L = Layout()
    panels = []

    panels.append(row(L, "Gateways"))
    h = 4
    panels += [
        stat(L, "Exporters up", "Scrape targets of the job that answered their last scrape.",
             0, 4, h, [target('sum(up{%s})' % EXPORTER_SEL, "A", instant=True)], "none",
             defaults={"thresholds": thresholds(("red", None), ("green", 1))}),
        stat(L, "Interfaces up", "WireGuard interfaces read successfully in the last scrape.",
             4, 4, h, [target('sum(wireguard_interface_up{%s})' % IFACE_SEL, "A", instant=True)],
             "none", defaults={"thresholds": thresholds(("red", None), ("green", 1))}),
        stat(L, "Interfaces down", "Selected interfaces the exporter could not read; its log "
             "says why.", 8, 4, h,
             [target('count(wireguard_interface_up{%s} == 0) or vector(0)' % IFACE_SEL, "A",
                     instant=True)],
             "none", defaults={"thresholds": thresholds(("green", None), ("red", 1))}),
        stat(L, "Peers", "Peers configured on the selected interfaces.", 12, 4, h,
             [target('sum(wireguard_interface_peers{%s})' % IFACE_SEL, "A", instant=True)],
             "none", color_mode="value",
             defaults={"thresholds": thresholds(("blue", None))}),
        stat(L, "Peers online", "Peers whose last handshake is within their interface's "
             "online threshold.", 16, 4, h,
             [target('sum(wireguard_interface_peers_online{%s})' % IFACE_SEL, "A", instant=True)],
             "none", color_mode="value",
             defaults={"thresholds": thresholds(("green", None))}),
        stat(L, "Required peers offline", 'Offline peers labelled required="true" in the '
             "exporter's config (site links, servers): these page.", 20, 4, h,
             [target('count(wireguard_peer_online{%s, required="true"} == 0) or vector(0)'
                     % IFACE_SEL, "A", instant=True)],
             "none", defaults={"thresholds": thresholds(("green", None), ("red", 1))}),
    ]
    L.y += h

    h = 8
    panels.append(timeseries(
        L, "Online peers per interface",
        "Peers online over time, per gateway, namespace and interface. A sudden drop on one "
        "interface raises WireGuardOnlinePeersDropped.", 0, 12, h,
        [target('sum by (instance, netns, interface) (wireguard_interface_peers_online{%s})'
                % IFACE_SEL, "A", legend=WHERE_LEGEND)],
        "none", legend_calcs=("lastNotNull", "min", "max"),
        defaults={"min": 0, "decimals": 0}))
    iface_cols = {"Value #A": "Up", "Value #B": "Peers", "Value #C": "Online",
                  "Value #D": "Online threshold", "Value #E": "Read duration"}
    panels.append(table(
        L, "Interfaces", "Every selected interface: whether it was read, its peers, its online "
        "threshold and how long the last read took. Namespace is the network namespace it is in, "
        "%s for the exporter's own (the column shows only when some interface is in another)."
        % OWN_NETNS_TEXT, 12, 12, h,
        [target(without_name('wireguard_interface_up{%s}' % IFACE_SEL), "A", instant=True,
                fmt="table"),
         target(without_name('wireguard_interface_peers{%s}' % IFACE_SEL), "B", instant=True,
                fmt="table"),
         target(without_name('wireguard_interface_peers_online{%s}' % IFACE_SEL), "C",
                instant=True, fmt="table"),
         target(without_name('wireguard_interface_online_threshold_seconds{%s}' % IFACE_SEL),
                "D", instant=True, fmt="table"),
         target(without_name('wireguard_interface_read_duration_seconds{%s}' % IFACE_SEL), "E",
                instant=True, fmt="table"),
         target(without_name('wireguard_interface_info{%s}' % IFACE_SEL), "F", instant=True,
                fmt="table")],
        "none", sort_by="Peers",
        transformations=[
            {"id": "merge", "options": {}},
            {"id": "organize", "options": {
                "excludeByName": {"Time": True, "job": True, "Value #F": True,
                                  "public_key": True},
                "indexByName": {"instance": 0, "netns": 1, "interface": 2, "Value #A": 3,
                                "Value #B": 4, "Value #C": 5, "implementation": 6,
                                "listen_port": 7, "Value #D": 8, "Value #E": 9},
                "renameByName": dict(iface_cols, instance="Gateway", netns="Namespace",
                                     interface="Interface", implementation="Implementation",
                                     listen_port="Listen port")}},
        ],
        overrides=[
            override("Namespace", mappings=OWN_NETNS_MAPPINGS),
            override("Up", mappings=[value_map({0: ("down", "red"), 1: ("up", "green")})],
                     custom__cellOptions=colored_cell(), unit="none",
                     thresholds=thresholds(("red", None), ("green", 1))),
            override("Online threshold", unit="s"),
            override("Read duration", unit="s", custom__cellOptions=colored_cell("color-text"),
                     thresholds=thresholds(("green", None), ("yellow", 0.5), ("red", 1.5))),
        ]))
    L.y += h

    # Network namespaces: every one an exporter reads, its own included
    # (netns="" there, so no netns label).
    h = 6
    panels += [
        stat(L, "Namespaces read", "Network namespaces the selected exporters entered and "
             "listed in their last scrape, each exporter's own included.", 0, 4, h,
             [target('sum(wireguard_netns_up{%s})' % NETNS_SEL, "A", instant=True)], "none",
             color_mode="value", defaults={"thresholds": thresholds(("blue", None))}),
        stat(L, "Namespaces unreadable", "Namespaces an exporter could not enter or list in its "
             "last scrape: their interfaces are not watched. The exporter's log says why, "
             "usually a missing capability (CAP_SYS_ADMIN, CAP_SYS_PTRACE); "
             "WireGuardNamespaceUnreadable fires after 5 minutes.", 4, 4, h,
             [target('count(wireguard_netns_up{%s} == 0) or vector(0)' % NETNS_SEL, "A",
                     instant=True)],
             "none", defaults={"thresholds": thresholds(("green", None), ("red", 1))}),
    ]
    netns_cols = {"Value #A": "Read", "Value #B": "Interfaces"}
    panels.append(table(
        L, "Namespaces", "Every network namespace the selected exporters read: whether it could "
        "be entered and listed in the last scrape, and how many WireGuard interfaces it exported. "
        "Unreadable ones first; %s is the exporter's own namespace." % OWN_NETNS_TEXT, 8, 16, h,
        [target(without_name('wireguard_netns_up{%s}' % NETNS_SEL), "A", instant=True,
                fmt="table"),
         target(without_name('wireguard_netns_interfaces{%s}' % NETNS_SEL), "B", instant=True,
                fmt="table")],
        "none", sort_by="Read", sort_desc=False,
        transformations=[
            {"id": "merge", "options": {}},
            {"id": "organize", "options": {
                "excludeByName": {"Time": True, "job": True},
                "indexByName": {"instance": 0, "netns": 1, "Value #A": 2, "Value #B": 3},
                "renameByName": dict(netns_cols, instance="Gateway", netns="Namespace")}},
        ],
        overrides=[
            override("Namespace", mappings=OWN_NETNS_MAPPINGS),
            override("Read", mappings=[value_map({0: ("unreadable", "red"), 1: ("read", "green")})],
                     custom__cellOptions=colored_cell(), unit="none",
                     thresholds=thresholds(("red", None), ("green", 1))),
            override("Interfaces", decimals=0),
        ]))
    L.y += h

    panels.append(row(L, "Peers"))
    h = 11
    peer_cols = {"Value #A": "Online", "Value #B": "Handshake age", "Value #C": "Receive",
                 "Value #D": "Transmit"}
    panels.append(table(
        L, "Peers", "Every peer of the selected interfaces, oldest handshake first. Name is the "
        "configured name or, when there is none, the public key; Namespace the network namespace "
        "of its interface, %s for the exporter's own. Click a peer for its details."
        % OWN_NETNS_TEXT,
        0, 24, h,
        [target(peer_label(without_name('wireguard_peer_online{%s}' % IFACE_SEL)), "A",
                instant=True, fmt="table"),
         target(peer_label(without_name('wireguard_peer_last_handshake_age_seconds{%s}'
                                        % IFACE_SEL)), "B", instant=True, fmt="table"),
         target(peer_label('rate(wireguard_peer_receive_bytes_total{%s}[$__rate_interval])'
                           % IFACE_SEL), "C", instant=True, fmt="table"),
         target(peer_label('rate(wireguard_peer_transmit_bytes_total{%s}[$__rate_interval])'
                           % IFACE_SEL), "D", instant=True, fmt="table"),
         target(with_netns_param(peer_label(without_name('wireguard_peer_info{%s}' % IFACE_SEL))),
                "E", instant=True, fmt="table")],
        "none", sort_by="Handshake age",
        transformations=[
            {"id": "merge", "options": {}},
            {"id": "organize", "options": {
                "excludeByName": {"Time": True, "job": True, "Value #E": True, "name": True},
                "indexByName": {"peer": 0, "instance": 1, "netns": 2, "interface": 3,
                                "Value #A": 4, "Value #B": 5, "endpoint": 6, "Value #C": 7,
                                "Value #D": 8, "allowed_ips": 9, "public_key": 10},
                "renameByName": dict(peer_cols, peer="Name", instance="Gateway",
                                     netns="Namespace", interface="Interface",
                                     endpoint="Endpoint", allowed_ips="Allowed IPs",
                                     public_key="Public key")}},
        ],
        overrides=[
            override("Namespace", mappings=OWN_NETNS_MAPPINGS),
            # Read by the Name link; excluding it would remove it from the data.
            override("netns_param", custom__hidden=True),
            override("Online", mappings=ONLINE_MAPPINGS, thresholds=ONLINE_THRESHOLDS,
                     custom__cellOptions=colored_cell(), unit="none"),
            override("Handshake age", unit="s", mappings=[NEVER_MAPPING],
                     thresholds=AGE_THRESHOLDS, custom__cellOptions=colored_cell("color-text")),
            override("Receive", unit="Bps"),
            override("Transmit", unit="Bps"),
            override("Name", links=[{
                "title": "Peer details",
                "url": ("/d/%s/wireguard-peer?${__url_time_range}&var-datasource=${datasource}"
                        "&var-job=${job}&var-instance=${__data.fields.Gateway}"
                        "&${__data.fields.netns_param}"
                        "&var-interface=${__data.fields.Interface}"
                        "&var-peer=${__data.fields[\"Public key\"]:percentencode}"
                        % PEER_DASHBOARD_UID)}]),
        ]))
    L.y += h

    h = 9
    panels.append(timeseries(
        L, "Top talkers", "The 10 peers with the most traffic (receive + transmit) at each "
        "moment.", 0, 12, h,
        [target(peer_label('topk(10, rate(wireguard_peer_receive_bytes_total{%s}[$__rate_interval])'
                           ' + rate(wireguard_peer_transmit_bytes_total{%s}[$__rate_interval]))' % (IFACE_SEL, IFACE_SEL)),
                "A", legend=PEER_LEGEND)],
        "Bps", legend_calcs=("mean", "max")))
    panels.append(panel(
        L, "bargauge", "Top talkers by volume in range",
        "The 10 peers that moved the most bytes (receive + transmit) in the selected time "
        "range.", 12, 12, h,
        [target(peer_label('topk(10, increase(wireguard_peer_receive_bytes_total{%s}[$__range])'
                           ' + increase(wireguard_peer_transmit_bytes_total{%s}[$__range]))' % (IFACE_SEL, IFACE_SEL)),
                "A", legend=PEER_LEGEND, instant=True)],
        "bytes",
        options={"displayMode": "gradient", "minVizHeight": 16, "minVizWidth": 0,
                 "maxVizHeight": 300, "namePlacement": "auto", "orientation": "horizontal",
                 "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                 "showUnfilled": True, "sizing": "auto", "valueMode": "color"},
        defaults={"color": {"mode": "continuous-BlPu"}, "min": 0}))
    L.y += h

    h = 9
    offline_cols = {"Value #A": "Offline share", "Value #B": "Online changes",
                    "Value #C": "Online now"}
    panels.append(table(
        L, "Peers offline in range", "Peers by the share of the selected time range they were "
        "offline; any share above 0 means the peer went offline in the range. Online changes "
        "counts transitions both ways. Namespace is %s for the exporter's own." % OWN_NETNS_TEXT,
        0, 12, h,
        [target(peer_label('1 - avg_over_time(wireguard_peer_online{%s}[$__range])' % IFACE_SEL),
                "A", instant=True, fmt="table"),
         target(peer_label('changes(wireguard_peer_online{%s}[$__range])' % IFACE_SEL), "B",
                instant=True, fmt="table"),
         target(peer_label(without_name('wireguard_peer_online{%s}' % IFACE_SEL)), "C",
                instant=True, fmt="table")],
        "none", sort_by="Offline share",
        transformations=[
            {"id": "merge", "options": {}},
            {"id": "organize", "options": {
                "excludeByName": {"Time": True, "job": True, "name": True, "public_key": True},
                "indexByName": {"peer": 0, "instance": 1, "netns": 2, "interface": 3,
                                "Value #A": 4, "Value #B": 5, "Value #C": 6},
                "renameByName": dict(offline_cols, peer="Name", instance="Gateway",
                                     netns="Namespace", interface="Interface")}},
        ],
        overrides=[
            override("Namespace", mappings=OWN_NETNS_MAPPINGS),
            override("Offline share", unit="percentunit", decimals=1,
                     custom__cellOptions={"type": "gauge", "mode": "basic"},
                     min=0, max=1,
                     thresholds=thresholds(("green", None), ("orange", 0.0001), ("red", 0.5))),
            override("Online changes", unit="none", decimals=0),
            override("Online now", mappings=ONLINE_MAPPINGS, thresholds=ONLINE_THRESHOLDS,
                     custom__cellOptions=colored_cell(), unit="none"),
        ]))
    panels.append(timeseries(
        L, "Oldest handshakes", "The 10 oldest handshakes among peers that have completed one. "
        "A healthy peer with traffic re-handshakes every 2 minutes; past the online threshold "
        "(3 minutes by default) it counts as offline.", 12, 12, h,
        [target(peer_label('topk(10, wireguard_peer_last_handshake_age_seconds{%s} < +Inf)'
                           % IFACE_SEL), "A", legend=PEER_LEGEND)],
        "s", legend_calcs=("lastNotNull", "max"),
        defaults={"min": 0, "thresholds": AGE_THRESHOLDS},
        ))
    panels[-1]["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"] = {"mode": "line+area"}
    L.y += h

    panels.append(row(L, "Exporter health"))
    h = 4
    panels += [
        stat(L, "Config reload", "Whether every exporter's last configuration reload "
             "succeeded. A failed reload keeps the previous configuration serving.",
             0, 4, h,
             [target('min(wireguard_exporter_config_last_reload_successful{%s})' % EXPORTER_SEL,
                     "A", instant=True)],
             "none", defaults={"mappings": [value_map({0: ("failing", "red"), 1: ("ok", "green")})],
                               "thresholds": thresholds(("red", None), ("green", 1))}),
        stat(L, "Oldest successful config load", "The oldest last successful configuration load "
             "among the selected exporters.", 4, 5, h,
             [target('min(wireguard_exporter_config_last_reload_success_timestamp_seconds{%s}) '
                     '* 1000' % EXPORTER_SEL, "A", instant=True)],
             "dateTimeFromNow", color_mode="none",
             defaults={"thresholds": thresholds(("text", None))}),
        stat(L, "Reload failures in range", "Failed configuration reloads in the selected time "
             "range, over all selected exporters.", 9, 5, h,
             [target('sum(increase(wireguard_exporter_config_reload_failures_total{%s}[$__range]))'
                     % EXPORTER_SEL, "A", instant=True)],
             "none", defaults={"decimals": 0,
                               "thresholds": thresholds(("green", None), ("orange", 0.5))}),
        stat(L, "Slowest scrape", "Longest time Prometheus spent on one scrape of a selected "
             "exporter in the selected range; compare with the scrape timeout.", 14, 5, h,
             [target('max(max_over_time(scrape_duration_seconds{%s}[$__range]))' % EXPORTER_SEL,
                     "A", instant=True)],
             "s", defaults={"thresholds": thresholds(("green", None), ("yellow", 2), ("red", 5))}),
        stat(L, "Versions", "Versions of the selected exporters, one line per version and "
             "revision.", 19, 5, h,
             [target('count by (version, revision) (wireguard_exporter_build_info{%s})'
                     % EXPORTER_SEL, "A", legend="{{version}} ({{revision}})", instant=True)],
             "none", color_mode="none", text_mode="value_and_name",
             defaults={"thresholds": thresholds(("text", None))}),
    ]
    L.y += h
    h = 8
    panels.append(timeseries(
        L, "Interface read duration", "Time each interface read took during the scrape. Reads "
        "run concurrently, each bounded by its read timeout (2s by default).", 0, 12, h,
        [target('wireguard_interface_read_duration_seconds{%s}' % IFACE_SEL, "A",
                legend=WHERE_LEGEND)],
        "s", legend_calcs=("mean", "max")))
    panels.append(timeseries(
        L, "Scrape duration", "Whole scrape as seen by Prometheus, and the exporter's own "
        "time listing and reading interfaces.", 12, 12, h,
        [target('scrape_duration_seconds{%s}' % EXPORTER_SEL, "A",
                legend="{{instance}} scrape"),
         target('wireguard_exporter_scrape_duration_seconds{%s}' % EXPORTER_SEL, "B",
                legend="{{instance}} WireGuard reads")],
        "s", legend_calcs=("mean", "max")))
    L.y += h

    links = [{"asDropdown": False, "icon": "external link", "includeVars": True,
              "keepTime": True, "tags": [], "targetBlank": False, "title": "Peer details",
              "tooltip": "", "type": "link", "url": "/d/%s/wireguard-peer" % PEER_DASHBOARD_UID}]
    return dashboard(OVERVIEW_UID, "WireGuard overview",
                     "Gateways, network namespaces, interfaces and peers watched by "
                     "wireguard_exporter.",
                     panels, common_variables(), links)


# ---------------------------------------------------------------- peer detail


def peer_detail():
    L = Layout()
    panels = []
    h = 4
    panels += [
        stat(L, "Online", "Whether the last handshake is within the interface's online "
             "threshold.", 0, 3, h,
             [target('wireguard_peer_online{%s}' % PEER_SEL, "A", instant=True)], "none",
             defaults={"mappings": ONLINE_MAPPINGS, "thresholds": ONLINE_THRESHOLDS}),
        stat(L, "Handshake age", "Time since the last completed handshake; \"never\" when none "
             "has completed since the interface came up.", 3, 4, h,
             [target('wireguard_peer_last_handshake_age_seconds{%s}' % PEER_SEL, "A",
                     instant=True)], "s",
             defaults={"mappings": [NEVER_MAPPING], "thresholds": AGE_THRESHOLDS}),
        stat(L, "Last handshake", "Wall-clock time of the last completed handshake.", 7, 5, h,
             [target('wireguard_peer_last_handshake_timestamp_seconds{%s} * 1000' % PEER_SEL,
                     "A", instant=True)], "dateTimeAsIso", color_mode="none",
             defaults={"mappings": [value_map({0: ("never", "red")})],
                       "thresholds": thresholds(("text", None))}),
        stat(L, "Endpoint", "Address the peer's packets last came from.", 12, 6, h,
             [target('wireguard_peer_info{%s}' % PEER_SEL, "A", legend="{{endpoint}}",
                     instant=True)], "none", color_mode="none", text_mode="name",
             defaults={"thresholds": thresholds(("text", None))}),
        stat(L, "Allowed IPs", "Addresses routed to this peer.", 18, 6, h,
             [target('wireguard_peer_info{%s}' % PEER_SEL, "A", legend="{{allowed_ips}}",
                     instant=True)], "none", color_mode="none", text_mode="name",
             defaults={"thresholds": thresholds(("text", None))}),
    ]
    L.y += h
    panels += [
        stat(L, "Online share in range", "Share of the selected time range the peer was "
             "online.", 0, 4, h,
             [target('avg_over_time(wireguard_peer_online{%s}[$__range])' % PEER_SEL, "A",
                     instant=True)], "percentunit",
             defaults={"decimals": 1, "min": 0, "max": 1,
                       "thresholds": thresholds(("red", None), ("orange", 0.5),
                                                ("green", 0.9999))}),
        stat(L, "Received in range", "Bytes received from the peer in the selected range.",
             4, 4, h,
             [target('increase(wireguard_peer_receive_bytes_total{%s}[$__range])' % PEER_SEL,
                     "A", instant=True)], "bytes", color_mode="value",
             defaults={"thresholds": thresholds(("blue", None))}),
        stat(L, "Sent in range", "Bytes sent to the peer in the selected range.", 8, 4, h,
             [target('increase(wireguard_peer_transmit_bytes_total{%s}[$__range])' % PEER_SEL,
                     "A", instant=True)], "bytes", color_mode="value",
             defaults={"thresholds": thresholds(("blue", None))}),
        stat(L, "Endpoints in range", "Distinct endpoints the peer used in the selected range; "
             "more than one means it roamed or its NAT mapping changed.", 12, 4, h,
             [target('count(count by (endpoint) (count_over_time(wireguard_peer_info{%s}'
                     '[$__range])))' % PEER_SEL, "A", instant=True)], "none",
             defaults={"decimals": 0, "thresholds": thresholds(("green", None), ("orange", 2))}),
        stat(L, "Persistent keepalive", "Keepalive interval the gateway uses towards the peer; "
             "\"off\" when the gateway only sends when it has traffic.", 16, 4, h,
             [target('wireguard_peer_persistent_keepalive_interval_seconds{%s}' % PEER_SEL, "A",
                     instant=True)], "s", color_mode="none",
             defaults={"mappings": [value_map({0: ("off", "text")})],
                       "thresholds": thresholds(("text", None))}),
        stat(L, "Online threshold", "Handshake age up to which the interface counts a peer "
             "online.", 20, 4, h,
             [target('wireguard_interface_online_threshold_seconds{%s}' % IFACE_SEL, "A",
                     legend="{{netns}} {{interface}}", instant=True)], "s", color_mode="none",
             defaults={"thresholds": thresholds(("text", None))}),
    ]
    L.y += h

    h = 5
    panels.append(state_timeline(
        L, "Online state", "Online (green) and offline (red) over the selected range.", 0, 24, h,
        [target(peer_label('wireguard_peer_online{%s}' % PEER_SEL), "A",
                legend="{{peer}} on " + WHERE_LEGEND)],
        "none", defaults={"mappings": ONLINE_MAPPINGS, "thresholds": ONLINE_THRESHOLDS}))
    L.y += h

    h = 8
    panels.append(timeseries(
        L, "Handshake age", "Time since the last handshake, against the interface's online "
        "threshold. It climbs to about 2 minutes and drops with each re-handshake while the "
        "peer is healthy.", 0, 12, h,
        [target(peer_label('wireguard_peer_last_handshake_age_seconds{%s}' % PEER_SEL), "A",
                legend="{{peer}} handshake age"),
         target('wireguard_interface_online_threshold_seconds{%s}' % IFACE_SEL, "B",
                legend="online threshold of {{netns}} {{interface}}")],
        "s", legend_calcs=("lastNotNull", "max"), defaults={"min": 0},
        overrides=[{"matcher": {"id": "byFrameRefID", "options": "B"},
                    "properties": [{"id": "custom.lineStyle",
                                    "value": {"dash": [10, 10], "fill": "dash"}},
                                   {"id": "color", "value": {"fixedColor": "red",
                                                             "mode": "fixed"}},
                                   {"id": "custom.fillOpacity", "value": 0}]}]))
    panels.append(timeseries(
        L, "Throughput", "Bytes per second received from (up) and sent to (down) the peer.",
        12, 12, h,
        [target(peer_label('rate(wireguard_peer_receive_bytes_total{%s}[$__rate_interval])'
                           % PEER_SEL), "A", legend="receive"),
         target(peer_label('rate(wireguard_peer_transmit_bytes_total{%s}[$__rate_interval])'
                           % PEER_SEL), "B", legend="transmit")],
        "Bps", legend_calcs=("mean", "max"),
        overrides=[{"matcher": {"id": "byFrameRefID", "options": "B"},
                    "properties": [{"id": "custom.transform", "value": "negative-Y"}]}]))
    L.y += h

    h = 6
    panels.append(state_timeline(
        L, "Endpoint history", "Which endpoint the peer used when: each change of address "
        "(roaming, NAT rebinding) starts a new bar.", 0, 24, h,
        [target('wireguard_peer_info{%s}' % PEER_SEL, "A", legend="{{endpoint}}")],
        "none",
        defaults={"color": {"mode": "palette-classic"},
                  "mappings": [value_map({1: ("in use", None)})]}))
    L.y += h

    variables = common_variables() + [query_variable(
        "peer", "Peer",
        'query_result(%s)' % peer_label('wireguard_peer_info{%s}' % IFACE_SEL),
        # Text is the name (or the key), value the public key: names may
        # repeat across interfaces, keys identify the peer.
        regex='/[{,]peer="(?<text>[^"]+)".*[{,]public_key="(?<value>[^"]+)"/')]
    links = [{"asDropdown": False, "icon": "dashboard", "includeVars": False,
              "keepTime": True, "tags": [], "targetBlank": False, "title": "WireGuard overview",
              "tooltip": "", "type": "link", "url": "/d/%s/wireguard-overview" % OVERVIEW_UID}]
    return dashboard(PEER_DASHBOARD_UID, "WireGuard peer",
                     "One WireGuard peer over time: online state, handshake age, throughput "
                     "and endpoint changes.", panels, variables, links)


DASHBOARDS = {
    "wireguard-overview.json": overview,
    "wireguard-peer.json": peer_detail,
}


def render(build):
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only compare; exit 1 when a file differs from what would be written")
    parser.add_argument("--out-dir", default=HERE)
    args = parser.parse_args()
    stale = []
    for filename, build in DASHBOARDS.items():
        path = os.path.join(args.out_dir, filename)
        text = render(build)
        try:
            with open(path, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current == text:
            continue
        if args.check:
            stale.append(filename)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print("wrote", path)
    if stale:
        print("stale (run dashboards/generate_dashboards.py): " + ", ".join(stale),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
