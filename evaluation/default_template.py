"""The ready template for the information-work classes: Circular 10/2017/TT-BNV's subjects
of evaluation (programme, lecturers, facilities, organisation, what the learner gained),
worded for foreign-information work in the border areas. Loaded by migration 0002."""

NAME = "Phiếu đánh giá chất lượng lớp bồi dưỡng công tác thông tin đối ngoại"
DESCRIPTION = (
    "Theo Thông tư số 10/2017/TT-BNV ngày 29/12/2017 của Bộ Nội vụ quy định về đánh giá "
    "chất lượng bồi dưỡng cán bộ, công chức, viên chức."
)

# (kind, title, comment prompt, indicators)
SECTIONS = [
    (
        "programme",
        "Chương trình bồi dưỡng",
        "Nội dung nào cần bổ sung hoặc lược bớt?",
        [
            "Mục tiêu của khóa học được giới thiệu rõ ràng",
            "Nội dung phù hợp với mục tiêu của khóa học",
            "Nội dung phù hợp với vị trí việc làm, nhiệm vụ được giao",
            "Nội dung thiết thực, cập nhật về công tác thông tin đối ngoại",
            "Thời lượng phù hợp với nội dung",
            "Cân đối giữa lý thuyết và thực hành, trao đổi",
        ],
    ),
    (
        "lecturer",
        "Giảng viên",
        "Ý kiến khác về giảng viên",
        [
            "Nắm vững nội dung, truyền đạt rõ ràng, dễ hiểu",
            "Liên hệ với thực tiễn vùng biên giới, vùng đồng bào dân tộc thiểu số",
            "Phương pháp giảng dạy phát huy tính tích cực của học viên",
            "Giải đáp thỏa đáng câu hỏi của học viên",
            "Bảo đảm thời gian và kế hoạch giảng dạy",
        ],
    ),
    (
        "facilities",
        "Cơ sở vật chất và tài liệu",
        "Cần cải thiện điều gì về phòng học, trang thiết bị, tài liệu?",
        [
            "Phòng học, bàn ghế, âm thanh, ánh sáng",
            "Trang thiết bị hỗ trợ giảng dạy (máy chiếu, màn hình, loa)",
            "Tài liệu được cung cấp đầy đủ, kịp thời",
            "Tài liệu dễ hiểu, hữu ích cho công việc",
        ],
    ),
    (
        "organisation",
        "Công tác tổ chức khóa học",
        "Ý kiến về công tác tổ chức",
        [
            "Giấy mời, thông báo kịp thời, đủ thông tin",
            "Lịch học bố trí hợp lý",
            "Quản lý lớp, hỗ trợ học viên trong khóa học",
            "Bảo đảm chế độ cho học viên (ăn, nghỉ, đi lại)",
        ],
    ),
    (
        "self",
        "Tự đánh giá của học viên",
        "Anh/chị sẽ áp dụng điều gì vào công việc?",
        [
            "Hiểu rõ hơn chủ trương, chính sách về công tác thông tin đối ngoại",
            "Nâng cao kỹ năng cung cấp thông tin cho đồng bào vùng biên giới",
            "Có thể áp dụng kiến thức, kỹ năng vào công việc được giao",
            "Mức độ hài lòng chung với khóa học",
        ],
    ),
]


def load(survey_template, template_section, template_indicator, *, is_default: bool = True):
    """Write the ready template with the model classes given: the app's own (services,
    after a flush) or migration 0002's historical ones — one copy of the loading."""
    template = survey_template.objects.create(
        name=NAME, description=DESCRIPTION, is_default=is_default
    )
    for position, (kind, title, prompt, indicators) in enumerate(SECTIONS, start=1):
        section = template_section.objects.create(
            template=template, position=position, kind=kind, title=title, comment_prompt=prompt
        )
        template_indicator.objects.bulk_create(
            template_indicator(section=section, position=i, text=text)
            for i, text in enumerate(indicators, start=1)
        )
    return template
