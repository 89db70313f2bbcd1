"""The printing kit every printed document shares: WeasyPrint with no network (pdf), the site map and the block map
drawn as SVG. The documents themselves live with their contexts (designs/proposal, meetings/minutes, loans/statement,
construction/progress_report and handover_document)."""
