//! Typed indices into the vectors of [`crate::Platform`].

use serde::Serialize;

macro_rules! id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub struct $name(pub u32);

        impl $name {
            /// The index into the platform's vector.
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The id of the element at `index`.
            pub fn from_index(index: usize) -> Self {
                $name(u32::try_from(index).unwrap_or(u32::MAX))
            }
        }
    )*};
}

id! {
    /// A team.
    TeamId;
    /// An environment.
    EnvId;
    /// A service.
    ServiceId;
    /// A resource kind.
    KindId;
    /// A system (a group of services shown together in the catalog).
    SystemId;
}
