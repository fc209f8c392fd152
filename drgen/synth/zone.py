"""The zone stack (us-east-1, only when the blueprint gives no ``dns.zone_id``): the hosted zone."""

from __future__ import annotations

from troposphere import GetAtt, Join, Ref, route53

from drgen.synth.base import LayerTemplate


def contribute(t: LayerTemplate) -> None:
    dns = t.bp.dns
    assert dns is not None
    zone = t.add(route53.HostedZone("HostedZone", Name=dns.zone,
                                    HostedZoneConfig=route53.HostedZoneConfiguration(
                                        Comment=f"drgen {t.prefix}: delegate to the name servers in the outputs"),
                                    HostedZoneTags=t.tags(),
                                    DeletionPolicy="Retain", UpdateReplacePolicy="Retain"))
    t.output("HostedZoneId", Ref(zone), "Pass to the app StackSet as HostedZoneId")
    t.output("NameServers", Join(",", GetAtt(zone, "NameServers")), "Delegate the zone to these")
