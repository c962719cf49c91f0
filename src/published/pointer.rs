//! The documents through which readers find cortes: `latest.json` (the
//! pointer to the live corte), `cortes/index.json` (every corte that went
//! live and every pointer move) and `cortes/feed.xml` (the same as Atom).

use serde::{Deserialize, Serialize};

use super::layout::MANIFEST;

/// `latest.json`: the live corte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pointer {
    pub corte: String,
    pub seq: u32,
    /// The corte's own time (RFC 3339 with offset).
    pub timestamp: String,
    /// `cortes/<id>/manifest.json`.
    pub manifest: String,
    pub manifest_sha256: String,
    /// `cortes/<id>/manifest.json.sig`, when signed.
    #[serde(default)]
    pub signature: Option<String>,
    /// SHA-256 of the raw 32-byte public key that signed the manifest.
    #[serde(default)]
    pub public_key_sha256: Option<String>,
    /// When the pointer moved here (UTC).
    pub updated_at: String,
    /// `publish` or `rollback`.
    pub action: Action,
    /// The corte the pointer moved away from, so that a re-run after a crash
    /// can finish the history and the stale-object cleanup.
    #[serde(default)]
    pub previous: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Publish,
    Rollback,
}

/// `cortes/index.json`: every corte that went live and every pointer move.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorteIndex {
    /// The process (`cdmx-2024`), from the first corte's manifest.
    #[serde(default)]
    pub process: String,
    #[serde(default)]
    pub process_name: String,
    /// Cortes in sequence order, one entry each.
    pub cortes: Vec<CorteEntry>,
    /// Pointer moves, oldest first: the audit trail of publishes and rollbacks.
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorteEntry {
    pub id: String,
    pub seq: u32,
    pub timestamp: String,
    #[serde(rename = "final")]
    pub final_corte: bool,
    pub manifest: String,
    pub manifest_sha256: String,
    /// When it first went live (UTC).
    pub published_at: String,
    /// Set when a rollback took the pointer away from this corte.
    #[serde(default)]
    pub withdrawn: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at: String,
    pub action: Action,
    pub corte: String,
    pub seq: u32,
    /// The corte the pointer moved away from.
    pub from: Option<String>,
    pub manifest_sha256: String,
    /// Free text given with a rollback (`--reason`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl CorteIndex {
    /// Records a pointer move. Idempotent: recording the same move twice (a
    /// re-run after a crash between the pointer and the history) adds nothing.
    pub fn record(&mut self, entry: CorteEntry, event: Event) {
        if self.events.last().is_some_and(|e| {
            e.corte == event.corte && e.action == event.action && e.from == event.from
        }) {
            return;
        }
        if event.action == Action::Rollback
            && let Some(from) = &event.from
            && let Some(c) = self.cortes.iter_mut().find(|c| &c.id == from)
        {
            c.withdrawn = true;
        }
        match self.cortes.iter_mut().find(|c| c.id == entry.id) {
            Some(c) => c.withdrawn = false,
            None => {
                self.cortes.push(entry);
                self.cortes.sort_by_key(|c| c.seq);
            }
        }
        self.events.push(event);
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

impl Pointer {
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

/// The Atom feed of every corte, newest first.
pub fn feed(index: &CorteIndex, updated: &str) -> Vec<u8> {
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let title = if index.process_name.is_empty() {
        "PREP: cortes publicados".to_string()
    } else {
        format!("{}: cortes publicados", index.process_name)
    };
    x.push_str(&format!("  <title>{}</title>\n", xml_escape(&title)));
    x.push_str(&format!(
        "  <id>urn:corte:{}</id>\n",
        xml_escape(&index.process)
    ));
    x.push_str(&format!("  <updated>{}</updated>\n", xml_escape(updated)));
    x.push_str("  <link rel=\"self\" href=\"feed.xml\"/>\n");
    x.push_str("  <author><name>corte</name></author>\n");
    for c in index.cortes.iter().rev() {
        let when = index
            .events
            .iter()
            .rev()
            .find(|e| e.corte == c.id)
            .map_or(c.published_at.as_str(), |e| e.at.as_str());
        let status = if c.withdrawn { " (retirado)" } else { "" };
        x.push_str("  <entry>\n");
        x.push_str(&format!(
            "    <title>Corte {} — {}{}</title>\n",
            c.seq,
            xml_escape(&c.timestamp),
            status
        ));
        x.push_str(&format!(
            "    <id>urn:corte:{}:{}</id>\n",
            xml_escape(&index.process),
            xml_escape(&c.id)
        ));
        x.push_str(&format!("    <updated>{}</updated>\n", xml_escape(when)));
        x.push_str(&format!(
            "    <link href=\"{}/index.html\"/>\n",
            xml_escape(&c.id)
        ));
        x.push_str(&format!(
            "    <link rel=\"alternate\" type=\"application/json\" href=\"{}/{MANIFEST}\"/>\n",
            xml_escape(&c.id)
        ));
        x.push_str(&format!(
            "    <summary>manifest.json SHA-256 {}</summary>\n",
            xml_escape(&c.manifest_sha256)
        ));
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    x.into_bytes()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::published::layout::manifest_key;

    fn event(corte: &str, action: Action, from: Option<&str>) -> (CorteEntry, Event) {
        let entry = CorteEntry {
            id: corte.into(),
            seq: corte.parse().unwrap(),
            timestamp: "t".into(),
            final_corte: false,
            manifest: manifest_key(corte),
            manifest_sha256: "h".into(),
            published_at: "now".into(),
            withdrawn: false,
        };
        let event = Event {
            at: "now".into(),
            action,
            corte: corte.into(),
            seq: entry.seq,
            from: from.map(str::to_string),
            manifest_sha256: "h".into(),
            reason: None,
        };
        (entry, event)
    }

    #[test]
    fn the_history_records_each_move_once_and_marks_withdrawn_cortes() {
        let mut ix = CorteIndex::default();
        let (c, e) = event("1", Action::Publish, None);
        ix.record(c.clone(), e.clone());
        ix.record(c, e);
        let (c, e) = event("2", Action::Publish, Some("1"));
        ix.record(c, e);
        let (c, e) = event("1", Action::Rollback, Some("2"));
        ix.record(c, e);
        assert_eq!(ix.events.len(), 3);
        assert_eq!(ix.cortes.len(), 2);
        assert!(ix.cortes[1].withdrawn);
        let feed = String::from_utf8(feed(&ix, "now")).unwrap();
        assert!(feed.contains("Corte 2 — t (retirado)"), "{feed}");
        assert!(feed.find("Corte 2").unwrap() < feed.find("Corte 1").unwrap());
    }
}
