import unicodedata

import pytest

from bot.services.secrecy import is_classified

CLASSIFIED = [
    "MẬT",
    "TỐI MẬT",
    "TUYỆT MẬT",
    "Độ mật: Tối mật",
    "Gửi kèm tài liệu mật về kế hoạch",
    "văn bản mật số 12",
    "Nội dung thuộc bí mật nhà nước",
    "TOI MAT",
    "tuyet mat",
    "tai lieu mat",
    "bi mat nha nuoc",
    "Báo cáo (MẬT) gửi Sở",
    "Tai_lieu_mat.pdf",
    "Văn bản Tuyệt mật",
    "MAT",
    unicodedata.normalize("NFD", "TỐI MẬT"),
]

ORDINARY = [
    "Mặt trận Tổ quốc",
    "mất điện",
    "trời mát",
    "mật ong",
    "giữ bí mật món quà cho các em",
    "Mat",
    "Anh Mat đã gửi ảnh",
    "Đã treo 20 băng rôn tại Mặt trận",
    "tối mát trời",
    "Thông tin tuyên truyền đã đăng",
    "bảo đảm chế độ bảo mật thông tin",
    "",
]


@pytest.mark.parametrize("text", CLASSIFIED)
def test_classified_material_is_caught(text):
    assert is_classified(text)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_words_pass(text):
    assert not is_classified(text)
