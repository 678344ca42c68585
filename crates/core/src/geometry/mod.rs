//! Distance fields, meshes and sections: the geometry the anatomy is built from and shown with.

pub mod mesh;
pub mod radiograph;
pub(crate) mod sdf;
pub mod section;
pub mod ultrasound;
