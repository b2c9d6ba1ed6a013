//! The diagnostic model: what every check produces and every renderer reads. It sits below
//! `checks` and `report` and knows nothing of the command line.

pub mod fingerprint;
pub mod fix;

pub use fix::{Applicability, Edit, Fix};

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::manifest::{Labels, Object, ObjectData};
use crate::source::FileId;
use crate::yaml::{Node, Span, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The object a diagnostic concerns, by identity.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ResourceRef {
    #[serde(rename = "apiVersion")]
    pub api_version: CompactString,
    pub kind: CompactString,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<CompactString>,
    pub name: CompactString,
}

impl ResourceRef {
    pub fn of(object: &Object) -> Self {
        ResourceRef {
            api_version: object.api_version.clone(),
            kind: object.kind.clone(),
            namespace: (!object.namespace.is_empty()).then(|| object.namespace.clone()),
            name: object.name.clone(),
        }
    }
}

/// Another place that explains a diagnostic (the object it refers to, the first definition).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Related {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: FileId,
    pub span: Span,
    pub resource: Option<ResourceRef>,
    pub related: Vec<Related>,
    pub help: Option<String>,
    /// Why the finding is not shown, if it is not (it is still counted).
    pub suppressed: Option<Suppression>,
    /// The reason the user gave for suppressing it: the annotation
    /// `kroute.dev/ignore-reason` or the config entry's `reason`.
    pub suppression_reason: Option<String>,
    /// Identifies the finding across edits elsewhere ([`fingerprint`]); set by the pipeline
    /// once every finding is known.
    pub fingerprint: Option<String>,
    /// The edits that repair the finding, when the rule knows them.
    pub fix: Option<Fix>,
}

/// Why a finding is not shown (it is still counted in the summary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Suppression {
    /// The object opted out of the code with `kroute.dev/ignore`.
    Annotation,
    /// An `ignore:` entry of the config file.
    Config,
    /// The baseline file (`--baseline`) lists it.
    Baseline,
}

/// An object of the checked files: what a report lists as checked, with or without findings.
/// The object itself, whose contents are shared: a run lists every object it checked, and
/// a copy of each one's identity cost a hundred bytes more an object.
#[derive(Clone)]
pub struct Checked(Object);

/// The listing, not the object's tree.
impl std::fmt::Debug for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checked")
            .field("resource", &self.resource())
            .field("file", &self.file())
            .field("span", &self.span())
            .finish()
    }
}

impl Checked {
    pub fn of(object: &Object) -> Checked {
        Checked(object.clone())
    }

    /// A listing of `object` that does not keep its contents: for objects that live only
    /// as long as their scope (a rendering's), so that the list of checked objects does not
    /// keep every scope's trees to the end of the run.
    pub fn detached(object: &Object) -> Checked {
        let data = ObjectData {
            doc: object.doc,
            api_version: object.api_version.clone(),
            group: object.group.clone(),
            kind: object.kind.clone(),
            name: object.name.clone(),
            generated_name: object.generated_name,
            namespace: object.namespace.clone(),
            labels: Labels::default(),
            annotations: Labels::default(),
            root: Node {
                span: object.span(),
                value: Value::Scalar(CompactString::default()),
            },
        };
        Checked(Object {
            data: std::sync::Arc::new(data),
            ..*object
        })
    }

    pub fn file(&self) -> FileId {
        self.0.file
    }

    pub fn span(&self) -> Span {
        self.0.span()
    }

    pub fn resource(&self) -> ResourceRef {
        ResourceRef::of(&self.0)
    }
}

/// One listing per object and place: the copies of an object that several scopes check are
/// one, and so are copies a kustomization changed alike.
impl PartialEq for Checked {
    fn eq(&self, other: &Checked) -> bool {
        let (a, b) = (&self.0, &other.0);
        (a.file, a.span()) == (b.file, b.span())
            && (&a.api_version, &a.kind, &a.namespace, &a.name)
                == (&b.api_version, &b.kind, &b.namespace, &b.name)
    }
}

impl Eq for Checked {}

/// Annotation listing the codes an object opts out of.
pub const IGNORE_ANNOTATION: &str = "kroute.dev/ignore";
/// Annotation saying why, shown with the findings it suppresses.
pub const IGNORE_REASON_ANNOTATION: &str = "kroute.dev/ignore-reason";

/// Whether the value of an `kroute.dev/ignore` annotation lists `code` (or `*`).
pub fn ignore_lists(value: &str, code: &str) -> bool {
    value
        .split(',')
        .any(|c| c.trim().eq_ignore_ascii_case(code) || c.trim() == "*")
}

impl Diagnostic {
    pub fn new(
        code: &'static str,
        severity: Severity,
        file: FileId,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            file,
            span,
            resource: None,
            related: Vec::new(),
            help: None,
            suppressed: None,
            suppression_reason: None,
            fingerprint: None,
            fix: None,
        }
    }

    /// A diagnostic about `object`, pointing at `span` inside it.
    pub fn on(
        code: &'static str,
        severity: Severity,
        object: &Object,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        let ignored = object
            .annotations
            .get(IGNORE_ANNOTATION)
            .is_some_and(|v| ignore_lists(v, code));
        Diagnostic {
            resource: Some(ResourceRef::of(object)),
            suppressed: ignored.then_some(Suppression::Annotation),
            suppression_reason: ignored
                .then(|| {
                    object
                        .annotations
                        .get(IGNORE_REASON_ANNOTATION)
                        .map(str::to_string)
                })
                .flatten(),
            ..Diagnostic::new(code, severity, object.file, span, message)
        }
    }

    /// Sets the help unless a shared helper already gave a more specific one.
    pub fn or_help(self, help: impl Into<String>) -> Self {
        if self.help.is_some() {
            return self;
        }
        self.with_help(help)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_related(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            file,
            span,
            message: message.into(),
        });
        self
    }

    /// Adds the object `object` as a related location (at its `metadata.name`).
    pub fn with_related_object(self, object: &Object, message: impl Into<String>) -> Self {
        let span = object.name_span();
        self.with_related(object.file, span, message)
    }

    /// Attaches `fix`, if there is one.
    pub fn with_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_detached_listing_is_the_same_listing_without_the_tree() {
        let text = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  ports: [{port: 80}]\n";
        let found = crate::manifest::read_text(FileId(3), text, &Default::default());
        let object = &found.objects[0];
        let (listed, detached) = (Checked::of(object), Checked::detached(object));
        assert_eq!(listed, detached);
        assert_eq!(
            (detached.file(), detached.span(), detached.resource()),
            (listed.file(), listed.span(), listed.resource())
        );
        assert!(std::sync::Arc::ptr_eq(&listed.0.data, &object.data));
        assert!(detached.0.root.get("spec").is_none());
    }
}
