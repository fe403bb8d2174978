"""The Teams app manifest, built from the package settings."""

from __future__ import annotations

from typing import Any

from infra.package_settings import PackageSettings

MANIFEST_VERSION = "1.30"
"""Newest Teams manifest schema bundled by the pinned @microsoft/app-manifest (1.1.2)."""

SCHEMA_URL = (
    "https://developer.microsoft.com/json-schemas/teams/"
    f"v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
)
RSC_PERMISSIONS = ("ChannelMessage.Read.Group",)
BOT_SCOPES = ("team", "personal")
COLOR_ICON = "color.png"
OUTLINE_ICON = "outline.png"

COMMANDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("new request", "Open a step-up request form (no family details typed in chat)", ("personal",)),
    ("my requests", "List your open step-up requests and their status", ("personal",)),
    ("who is on duty", "Name the MAP team manager on duty this week", ("personal", "team")),
    ("set cover", "Record who covers the duty when the manager on duty is away", ("personal",)),
    ("help", "What the bot does and how to use it", ("personal", "team")),
)
"""(title, description, scopes). In the channel every post is a request, so only the read-only
commands are offered there."""

SHORT_DESCRIPTION = "Step-up consultation requests to the MAP duty manager, family data kept out"

FULL_DESCRIPTION = """\
Step Up Bot runs step-up consultation requests from Family Centres and Family Support \
Programmes to the MAP team manager on duty. It assigns each request to the duty manager, \
collects case details privately, tracks the call-back deadline and escalates anything left \
unanswered.

WHAT IT READS. When a team owner installs the app in a team, they consent to the \
resource-specific permission ChannelMessage.Read.Group. With it, Teams sends the bot every \
message posted in that team's standard channels, without an @mention. The bot acts only on \
new posts in the one channel named in the council's configuration: it reads each post there \
to open a request and to check it for family personal data (names, addresses, dates of \
birth, case numbers). Messages from any other channel are discarded unread. In its 1:1 chat \
it reads the commands and forms you send it. Through Microsoft Graph, with permissions your \
administrator grants, it reads staff profiles (name, e-mail, phone, job title), membership of \
the role groups, the duty rota and out-of-office status.

WHAT IT STORES, in the council's own database: for each request a reference number, the \
Microsoft Entra ids of the requester and of the managers working it, the service, urgency, \
the Level 4 indicators ticked, status, outcome, timestamps and the Teams ids it needs to \
update its card and to message people. The EHM case number, where management oversight is \
recorded and the contact number given in the private form are stored encrypted and shown \
only to the people working the request.

WHAT IT NEVER STORES: the text of channel posts or chat messages (a post is read, screened \
and discarded), attachments, or anything from other channels. Its logs hold ids and event \
names, never message text. Data is not used to train any model and not shared outside the \
council's Microsoft 365 and Azure tenant.

Install it only in the team that holds the step-up requests channel."""

FEATURES = (
    (
        "Requests to the duty manager",
        "Each post in the requests channel is assigned to the MAP "
        "team manager on duty, who acknowledges it on a card.",
    ),
    (
        "Family details kept private",
        "Case numbers and contact details are collected in a private form, never in the channel.",
    ),
    (
        "Deadlines and escalation",
        "Call-back deadlines as the council sets them; anything unanswered by the end "
        "of the working day is escalated.",
    ),
)


def command_lists() -> list[dict[str, Any]]:
    """One command list per scope, as the schema asks."""
    lists = []
    for scope in BOT_SCOPES:
        commands = [
            {"title": title, "description": description}
            for title, description, scopes in COMMANDS
            if scope in scopes
        ]
        lists.append({"scopes": [scope], "commands": commands})
    return lists


def build_manifest(settings: PackageSettings) -> dict[str, Any]:
    """The manifest.json content for these settings."""
    bot_id = settings.bot_id
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": settings.package_version,
        "id": settings.app_id,
        "developer": {
            "name": settings.developer_name,
            "websiteUrl": settings.developer_website_url,
            "privacyUrl": settings.privacy_url,
            "termsOfUseUrl": settings.terms_url,
        },
        "name": {"short": settings.app_name, "full": settings.app_full_name},
        "description": {
            "short": SHORT_DESCRIPTION,
            "full": FULL_DESCRIPTION,
            "features": [{"title": title, "description": text} for title, text in FEATURES],
        },
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": settings.accent_color,
        "bots": [
            {
                "botId": bot_id,
                "scopes": list(BOT_SCOPES),
                "isNotificationOnly": False,
                "supportsFiles": True,  # the audit export (file consent cards)
                "supportsCalling": False,
                "supportsVideo": False,
                "commandLists": command_lists(),
            }
        ],
        "validDomains": [settings.public_host],
        "webApplicationInfo": {"id": bot_id, "resource": f"api://botid-{bot_id}"},
        "authorization": {
            "permissions": {
                "resourceSpecific": [
                    {"type": "Application", "name": name} for name in RSC_PERMISSIONS
                ]
            }
        },
        "defaultInstallScope": "team",
        "defaultGroupCapability": {"team": "bot"},
    }
